from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.db import call_after_commit
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, Reader, Writer
from channel_svc.channels import service
from channel_svc.channels.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    PreviewRead,
    PreviewRequest,
)
from channel_svc.runtime import FORGETS_CALLBACK_ADDRESSEES, Runtime

router = APIRouter(prefix="/channels", tags=["channels"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 422),
    summary="Add a channel",
)
async def create_channel(
    body: ChannelCreate, caller: Writer, session: DbSession, runtime: Runtime
) -> ChannelRead:
    channel = await service.create_channel(
        session,
        workspace_id=caller.workspace_id,
        data=body,
        adapters=runtime.adapters,
        cipher=runtime.cipher,
    )
    call_after_commit(session, runtime.syncs.wake)  # its first collection, if it has one
    return ChannelRead.of(channel)


@router.get("", responses=problem_responses(422), summary="List channels, newest first")
async def list_channels(caller: Reader, session: DbSession, paging: Paging) -> Page[ChannelRead]:
    channels, next_cursor = await service.list_channels(
        session, workspace_id=caller.workspace_id, paging=paging
    )
    return Page[ChannelRead](items=[ChannelRead.of(c) for c in channels], next_cursor=next_cursor)


@router.get("/{channel_id}", responses=problem_responses(404), summary="Get a channel")
async def get_channel(channel_id: str, caller: Reader, session: DbSession) -> ChannelRead:
    channel = await service.get_channel(
        session, workspace_id=caller.workspace_id, channel_id=channel_id
    )
    return ChannelRead.of(channel)


@router.patch(
    "/{channel_id}",
    responses=problem_responses(403, 404, 422),
    summary="Change a channel (new credentials re-activate a channel that needs them)",
)
async def update_channel(
    channel_id: str, body: ChannelUpdate, caller: Writer, session: DbSession, runtime: Runtime
) -> ChannelRead:
    channel = await service.update_channel(
        session,
        workspace_id=caller.workspace_id,
        channel_id=channel_id,
        data=body,
        adapters=runtime.adapters,
        cipher=runtime.cipher,
    )
    return ChannelRead.of(channel)


@router.post(
    "/{channel_id}/preview",
    responses=problem_responses(404, 422),
    summary="Render a post for this channel and list what would stop it",
)
async def preview(
    channel_id: str, body: PreviewRequest, caller: Reader, session: DbSession
) -> PreviewRead:
    platform, rendered, violations, checklist = await service.preview(
        session, workspace_id=caller.workspace_id, channel_id=channel_id, data=body
    )
    return PreviewRead(
        channel_id=channel_id,
        platform=platform.key,
        rendered=rendered,
        violations=violations,
        ok=not violations,
        checklist=checklist,
    )


@router.delete(
    "/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    dependencies=[FORGETS_CALLBACK_ADDRESSEES],
    summary="Delete a channel (posts already sent stay where they are)",
)
async def delete_channel(channel_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_channel(session, workspace_id=caller.workspace_id, channel_id=channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
