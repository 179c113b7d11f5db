from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, Reader, Writer
from channel_svc.autoreplies import service
from channel_svc.autoreplies.schemas import AutoReplyCreate, AutoReplyRead, AutoReplyUpdate
from channel_svc.runtime import FORGETS_CALLBACK_ADDRESSEES

router = APIRouter(prefix="/autoreplies", tags=["autoreplies"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404, 409, 422),
    dependencies=[FORGETS_CALLBACK_ADDRESSEES],
    summary="Add an auto-reply to a WeChat channel (keyword, subscribe greeting or default)",
)
async def create_autoreply(
    body: AutoReplyCreate, caller: Writer, session: DbSession
) -> AutoReplyRead:
    rule = await service.create_rule(session, workspace_id=caller.workspace_id, data=body)
    return AutoReplyRead.of(rule)


@router.get("", responses=problem_responses(422), summary="List auto-replies, newest first")
async def list_autoreplies(
    *,
    caller: Reader,
    session: DbSession,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    paging: Paging,
) -> Page[AutoReplyRead]:
    rules, next_cursor = await service.list_rules(
        session, workspace_id=caller.workspace_id, channel_id=channel_id, paging=paging
    )
    return Page[AutoReplyRead](items=[AutoReplyRead.of(r) for r in rules], next_cursor=next_cursor)


@router.get("/{rule_id}", responses=problem_responses(404), summary="Get an auto-reply")
async def get_autoreply(rule_id: str, caller: Reader, session: DbSession) -> AutoReplyRead:
    rule = await service.get_rule(session, workspace_id=caller.workspace_id, rule_id=rule_id)
    return AutoReplyRead.of(rule)


@router.patch(
    "/{rule_id}",
    responses=problem_responses(403, 404, 409, 422),
    dependencies=[FORGETS_CALLBACK_ADDRESSEES],
    summary="Change an auto-reply",
)
async def update_autoreply(
    rule_id: str, body: AutoReplyUpdate, caller: Writer, session: DbSession
) -> AutoReplyRead:
    rule = await service.update_rule(
        session, workspace_id=caller.workspace_id, rule_id=rule_id, data=body
    )
    return AutoReplyRead.of(rule)


@router.delete(
    "/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    dependencies=[FORGETS_CALLBACK_ADDRESSEES],
    summary="Delete an auto-reply",
)
async def delete_autoreply(rule_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_rule(session, workspace_id=caller.workspace_id, rule_id=rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
