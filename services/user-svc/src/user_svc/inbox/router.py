"""The inbox endpoints: what is waiting, who handles it, the answer, closing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends
from servicekit.db import utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.access import CALLER_PROBLEMS, Reader, Writer
from user_svc.inbox import service
from user_svc.inbox.schemas import AnswerRequest, AssignRequest, InboxFilter, InboxItemRead
from user_svc.inbox.service import InboxRow
from user_svc.kit.paging import Paging

router = APIRouter(prefix="/inbox", tags=["inbox"], responses=CALLER_PROBLEMS)


async def _reads(
    session: AsyncSession, workspace_id: str, rows: Sequence[InboxRow]
) -> list[InboxItemRead]:
    """The items as shown, each with its latest answer."""
    now = utcnow()
    answers = await service.latest_answers(session, workspace_id, [row[0].id for row in rows])
    return [InboxItemRead.of(*row, now, answers.get(row[0].id)) for row in rows]


async def _read(session: AsyncSession, workspace_id: str, row: InboxRow) -> InboxItemRead:
    (item,) = await _reads(session, workspace_id, [row])
    return item


@router.get(
    "",
    responses=problem_responses(403, 422),
    summary="Items waiting for an answer, most urgent first (or handled ones, latest first)",
)
async def list_inbox(
    caller: Reader,
    session: DbSession,
    filters: Annotated[InboxFilter, Depends()],
    paging: Paging,
) -> Page[InboxItemRead]:
    if filters.assignee_id == "me":
        filters.assignee_id = caller.user_id
    rows, next_cursor = await service.list_items(
        session, caller.workspace_id, filters, cursor=paging.cursor, limit=paging.limit
    )
    items = await _reads(session, caller.workspace_id, rows)
    return Page[InboxItemRead](items=items, next_cursor=next_cursor)


@router.get(
    "/{item_id}",
    responses=problem_responses(403, 404),
    summary="An inbox item",
    operation_id="inbox-get",
)
async def get_item(item_id: str, caller: Reader, session: DbSession) -> InboxItemRead:
    row = await service.get_item(session, caller.workspace_id, item_id)
    return await _read(session, caller.workspace_id, row)


@router.post(
    "/{item_id}/assign",
    responses=problem_responses(403, 404, 409, 422),
    summary="Assign an open item to an operator (null unassigns)",
)
async def assign(
    item_id: str, body: AssignRequest, caller: Writer, session: DbSession
) -> InboxItemRead:
    assignee = caller.user_id if body.assignee_id == "me" else body.assignee_id
    row = await service.assign(
        session, caller.workspace_id, item_id, assignee, assigned_by=caller.user_id
    )
    return await _read(session, caller.workspace_id, row)


@router.post(
    "/{item_id}/answer",
    status_code=202,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send the reply to the member on the platform (WeChat customer-service "
    "message, Weibo comment reply); the item leaves the open inbox and its answer shows "
    "pending, then sent or failed with the reason",
)
async def answer(
    item_id: str, body: AnswerRequest, caller: Writer, session: DbSession
) -> InboxItemRead:
    row, sent = await service.answer(
        session, caller.workspace_id, item_id, text=body.text, operator_id=caller.user_id
    )
    return InboxItemRead.of(*row, utcnow(), sent)


@router.post(
    "/{item_id}/answers/{answer_id}/retry",
    status_code=202,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send a failed answer again (a sent or pending one cannot be: 409)",
)
async def retry_answer(
    item_id: str, answer_id: str, caller: Writer, session: DbSession
) -> InboxItemRead:
    row, sent = await service.retry(session, caller.workspace_id, item_id, answer_id)
    return InboxItemRead.of(*row, utcnow(), sent)


@router.post(
    "/{item_id}/close",
    responses=problem_responses(403, 404, 409),
    summary="Close an item without an answer",
)
async def close(item_id: str, caller: Writer, session: DbSession) -> InboxItemRead:
    row = await service.close(session, caller.workspace_id, item_id, operator_id=caller.user_id)
    return await _read(session, caller.workspace_id, row)


@router.post(
    "/{item_id}/reopen",
    responses=problem_responses(403, 404, 409),
    summary="Put an answered or closed item back in the open inbox",
)
async def reopen(item_id: str, caller: Writer, session: DbSession) -> InboxItemRead:
    row = await service.reopen(session, caller.workspace_id, item_id)
    return await _read(session, caller.workspace_id, row)
