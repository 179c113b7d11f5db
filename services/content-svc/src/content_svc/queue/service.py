"""The posting queue: a post queued for its channels takes the next free slot they share,
ranked by the channels' best times; queued posts can be listed, moved to another free slot
and taken out of the queue.

A queued post is a scheduled post (`publishing.publish_post` with the slot's time), so the
scheduler publishes it at its slot like any other. What makes it queued is its claims,
one `QueuedPost` per channel at the slot's moment; the unique (workspace, channel, moment)
constraint makes two concurrent requests that chose the same slot end with one claim and
one retry at the next free slot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import split_page
from servicekit.problems import Conflict, FieldError, Invalid
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.problems import invalid
from content_svc.kit.zones import zone
from content_svc.models import Post, PostStatus, PostTransition, QueuedPost, QueueSlot
from content_svc.posts.publishing import publish_post, requested_channels
from content_svc.posts.review import review_settings
from content_svc.posts.schemas import ChannelOptions
from content_svc.posts.service import get_post
from content_svc.posts.states import record_transition, refuse, require_state
from content_svc.queue import repository
from content_svc.queue.best_times import BestTimesClient, HourScores
from content_svc.queue.schemas import QueuedRead
from content_svc.queue.slots import checked_channel_id, moments
from content_svc.replicas.channels import ChannelLookup

log = structlog.get_logger(__name__)

# How far ahead the queue looks for a free slot, and within how much of the first free one
# a better-ranked slot is taken instead.
HORIZON_DAYS = 28
RANK_WINDOW = timedelta(days=7)
# A slot this close is too close: it would be published before the answer arrives.
LEAD = timedelta(minutes=1)
# Concurrent requests that took the chosen slot first: try the next one this many times.
CLAIM_ATTEMPTS = 10


async def queue_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    channel_ids: Sequence[str],
    channels: ChannelLookup,
    best_times: BestTimesClient,
    *,
    options: Mapping[str, ChannelOptions] | None = None,
) -> Post:
    """Schedule the post at the next free slot every one of its channels has."""
    post = await get_post(session, caller, post_id, for_update=True)
    if post.status == PostStatus.PUBLISHED.value:
        # The same answer as publishing it again: unchanged, or a 409 for other channels.
        return await publish_post(session, caller, post_id, channel_ids, channels, options=options)
    require_state(post, "publish")
    canonical = requested_channels(channel_ids)
    requested = sorted(canonical)
    slots = await repository.slots_of(session, caller.workspace_id, requested)
    without = [
        FieldError(
            field=f"channel_ids.{index}",
            message=f"channel {channel_id} has no queue slots; add some at /queue/slots",
        )
        for index, channel_id in enumerate(canonical)
        if not slots[channel_id]
    ]
    if without:
        raise invalid(without)
    time_zone = (await review_settings(session, caller.workspace_id)).time_zone
    tz = zone(time_zone)
    await repository.drop_claims_of(session, post.id)  # queued again: its old claims go
    scores: Mapping[str, HourScores] | None = None
    for _ in range(CLAIM_ATTEMPTS):
        free = await _free_moments(session, caller.workspace_id, slots, tz)
        if not free:
            raise Conflict(
                f"The channels have no free slot in common in the next {HORIZON_DAYS} days; "
                "add slots or queue the channels separately.",
            )
        if scores is None:
            scores = await best_times.scores(requested, time_zone) if len(free) > 1 else {}
        moment = _best(free, scores, tz)
        if await _claim(session, post, requested, moment):
            return await publish_post(
                session,
                caller,
                post_id,
                channel_ids,
                channels,
                scheduled_at=moment,
                options=options,
            )
    raise Conflict("The slots were taken by other requests meanwhile; try again.")


async def list_queue(
    session: AsyncSession,
    caller: Caller,
    *,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[QueuedRead], str | None]:
    """The slots queued posts hold from now on, soonest first, one item per channel."""
    tz = zone((await review_settings(session, caller.workspace_id)).time_zone)
    rows = await repository.list_queue(
        session,
        caller.workspace_id,
        since=utcnow(),
        channel_id=checked_channel_id(channel_id),
        limit=limit,
        cursor=cursor,
    )
    page, next_cursor = split_page(
        rows, limit, sort=repository.QUEUE_ORDER, key=lambda row: (row[0].slot_at, row[0].id)
    )
    items = []
    for claim, title in page:
        local = claim.slot_at.astimezone(tz)
        items.append(
            QueuedRead(
                post_id=claim.post_id,
                title=title,
                channel_id=claim.channel_id,
                slot_at=local,
                local_time=local.strftime("%H:%M"),
            )
        )
    return items, next_cursor


async def move_queued(
    session: AsyncSession, caller: Caller, post_id: str, slot_at: datetime
) -> Post:
    """Move a queued post to another free slot of all its channels."""
    post = await get_post(session, caller, post_id, for_update=True)
    claims = await _require_queued(session, post, "move")
    channel_ids = sorted(claim.channel_id for claim in claims)
    tz = zone((await review_settings(session, caller.workspace_id)).time_zone)
    slot_at = slot_at.astimezone(ZoneInfo("UTC"))
    if slot_at == post.scheduled_at:
        return post
    slots = await repository.slots_of(session, caller.workspace_id, channel_ids)
    if slot_at not in await _free_moments(session, caller.workspace_id, slots, tz):
        raise Invalid.field(
            "slot_at",
            "is not a free slot of every channel of the post within the next "
            f"{HORIZON_DAYS} days (see GET /queue/slots and GET /queue)",
        )
    await repository.drop_claims_of(session, post.id)
    if not await _claim(session, post, channel_ids, slot_at):
        raise Conflict("Another request took this slot meanwhile; pick another one.")
    local = slot_at.astimezone(tz)
    record_transition(
        session,
        post,
        caller.user_id,
        action="publish",
        to_status=PostStatus.SCHEDULED,
        comment=f"moved in the queue to {local.isoformat()}",
    )
    post.scheduled_at = slot_at
    await session.flush()
    return post


async def unqueue(session: AsyncSession, caller: Caller, post_id: str) -> Post:
    """Take a post out of the queue: back to approved when it had been approved before it
    was queued, to draft when it was queued without review."""
    post = await get_post(session, caller, post_id, for_update=True)
    await _require_queued(session, post, "unqueue")
    before = await session.scalar(
        select(PostTransition.from_status)
        .where(
            PostTransition.post_id == post.id,
            PostTransition.to_status == PostStatus.SCHEDULED.value,
            PostTransition.from_status != PostStatus.SCHEDULED.value,
        )
        .order_by(PostTransition.at.desc(), PostTransition.id.desc())
        .limit(1)
    )
    back_to = PostStatus.APPROVED if before == PostStatus.APPROVED.value else PostStatus.DRAFT
    await repository.drop_claims_of(session, post.id)
    record_transition(
        session,
        post,
        caller.user_id,
        action="unqueue",
        to_status=back_to,
        comment="taken out of the posting queue",
        unschedule=True,
    )
    await session.flush()
    return post


async def _require_queued(session: AsyncSession, post: Post, action: str) -> Sequence[QueuedPost]:
    claims = await repository.claims_of(session, post)
    if not claims:
        raise refuse(post, action, "This post is not in the posting queue.")
    return claims


async def _free_moments(
    session: AsyncSession, workspace_id: str, slots: Mapping[str, Sequence[QueueSlot]], tz: ZoneInfo
) -> list[datetime]:
    """The moments, soonest first, that are a slot of every channel and free on each."""
    now = utcnow()
    first_day = now.astimezone(tz).date()
    common: set[datetime] | None = None
    for channel_slots in slots.values():
        mine = moments(channel_slots, tz, first_day, HORIZON_DAYS)
        common = mine if common is None else common & mine
    taken = await repository.taken_moments(session, workspace_id, list(slots), now)
    return sorted(
        moment
        for moment in common or set()
        if moment > now + LEAD and not any((cid, moment) in taken for cid in slots)
    )


def _best(free: Sequence[datetime], scores: Mapping[str, HourScores], tz: ZoneInfo) -> datetime:
    """The first free moment, or, when some channel has best times, the best-scored one
    within a week of it (the earlier of equals)."""
    if not scores:
        return free[0]

    def score(moment: datetime) -> float:
        local = moment.astimezone(tz)
        return sum(hours.get((local.weekday(), local.hour), 0.0) for hours in scores.values())

    window = [moment for moment in free if moment < free[0] + RANK_WINDOW]
    return max(window, key=lambda moment: (score(moment), -moment.timestamp()))


async def _claim(
    session: AsyncSession, post: Post, channel_ids: Sequence[str], moment: datetime
) -> bool:
    """Claim `moment` on every channel for `post`; False when a concurrent request holds
    one of them (the unique constraint), with nothing claimed."""
    await repository.drop_stale_claims(session, post.workspace_id, channel_ids, moment)
    try:
        async with session.begin_nested():
            session.add_all(
                QueuedPost(
                    workspace_id=post.workspace_id,
                    channel_id=channel_id,
                    post_id=post.id,
                    slot_at=moment,
                )
                for channel_id in channel_ids
            )
            await session.flush()
    except IntegrityError:
        log.info("queue_slot_taken_meanwhile", post_id=post.id, slot_at=moment.isoformat())
        return False
    return True
