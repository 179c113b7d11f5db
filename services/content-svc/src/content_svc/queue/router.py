"""The posting queue endpoints: HTTP in, a call of `queue.service` / `slots`, HTTP out.
Queueing a post is `POST /posts/{id}/publish {"queue": true}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from servicekit.pagination import Cursor, Limit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.posts.schemas import PostRead
from content_svc.posts.service import post_read
from content_svc.queue import service, slots
from content_svc.queue.schemas import QueuedRead, QueueMove, SlotCreate, SlotRead, SlotUpdate
from content_svc.runtime import ChannelService, MediaLibrary

router = APIRouter(prefix="/queue", tags=["queue"], responses=CALLER_PROBLEMS)

ChannelFilter = Annotated[str | None, Query(description="Only this channel's.")]


@router.get(
    "/slots",
    response_model=Page[SlotRead],
    responses=problem_responses(422),
    summary="The channels' weekly posting slots, newest first",
)
async def list_slots(
    caller: Reader,
    session: DbSession,
    channel_id: ChannelFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SlotRead]:
    rows, next_cursor = await slots.list_slots(
        session, caller, channel_id=channel_id, limit=limit, cursor=cursor
    )
    return Page(items=[SlotRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/slots",
    status_code=status.HTTP_201_CREATED,
    response_model=SlotRead,
    responses=problem_responses(403, 409, 422, 503),
    summary="Add a weekly posting slot to a channel (weekday and local time)",
)
async def add_slot(
    body: SlotCreate, caller: Writer, session: DbSession, channels: ChannelService
) -> SlotRead:
    return SlotRead.model_validate(await slots.add_slot(session, caller, body, channels))


@router.patch(
    "/slots/{slot_id}",
    response_model=SlotRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Move a slot to another weekday or time (posts queued into it keep theirs)",
)
async def change_slot(
    slot_id: str, body: SlotUpdate, caller: Writer, session: DbSession
) -> SlotRead:
    return SlotRead.model_validate(await slots.change_slot(session, caller, slot_id, body))


@router.delete(
    "/slots/{slot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Remove a slot (posts queued into it keep their time)",
)
async def remove_slot(slot_id: str, caller: Writer, session: DbSession) -> Response:
    await slots.remove_slot(session, caller, slot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "",
    response_model=Page[QueuedRead],
    responses=problem_responses(422),
    summary="Queued posts by slot, soonest first (one item per channel)",
)
async def list_queue(
    caller: Reader,
    session: DbSession,
    channel_id: ChannelFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[QueuedRead]:
    items, next_cursor = await service.list_queue(
        session, caller, channel_id=channel_id, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.patch(
    "/{post_id}",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Move a queued post to another free slot of one of its channels, or of all",
)
async def move_queued(
    post_id: str, body: QueueMove, caller: Writer, session: DbSession, library: MediaLibrary
) -> PostRead:
    post = await service.move_queued(
        session, caller, post_id, body.slot_at, channel_id=body.channel_id
    )
    return await post_read(session, library, post)


@router.delete(
    "/{post_id}",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409),
    summary="Take a post out of the queue (back to approved, or to draft if it was not)",
)
async def unqueue(
    post_id: str, caller: Writer, session: DbSession, library: MediaLibrary
) -> PostRead:
    post = await service.unqueue(session, caller, post_id)
    return await post_read(session, library, post)
