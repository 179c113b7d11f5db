"""The posting queue: a post queued for its channels takes each channel's next free slot,
ranked by that channel's best times, so one post may go out on WeChat at 08:00 and on
Weibo at 20:00; queued posts can be listed, moved to another free slot (on one channel or
all) and taken out of the queue.

A queued post is a scheduled post (`publishing.publish_post` with the earliest slot and
each channel's own, `send_at`): the scheduler publishes it at the earliest slot, and
`post.published` names the channels whose slot is later, which channel-svc holds back
until then. What makes it queued is its claims, one `QueuedPost` per channel at that
channel's slot; the unique (workspace, channel, moment) constraint makes two concurrent
requests that chose the same slot end with one claim and one retry at the channel's next
free slot. A claim lives while its post is scheduled, and after publication while the
channel's distribution has not gone out (`repository._LIVE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
from content_svc.media.service import Library
from content_svc.models import (
    DeliveryStatus,
    Post,
    PostStatus,
    PostTransition,
    QueuedPost,
    QueueSlot,
)
from content_svc.posts.publishing import publish_post, requested_channels
from content_svc.posts.review import review_settings
from content_svc.posts.schemas import ChannelOptions
from content_svc.posts.service import get_post
from content_svc.posts.states import record_transition, refuse, require_state
from content_svc.queue import repository
from content_svc.queue.best_times import BestTimesClient, HourScores
from content_svc.queue.schemas import ChannelState, QueuedChannel, QueuedRead
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
    library: Library,
    options: Mapping[str, ChannelOptions] | None = None,
) -> Post:
    """Schedule the post at each of its channels' next free slot (ranked by the channel's
    best times): it is published at the earliest, each channel's distribution waits for
    its own slot."""
    post = await get_post(session, caller, post_id, for_update=True)
    if post.status == PostStatus.PUBLISHED.value:
        # The same answer as publishing it again: unchanged, or a 409 for other channels.
        return await publish_post(
            session, caller, post_id, channel_ids, channels, library=library, options=options
        )
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
    now = utcnow()
    free = {
        channel_id: await _free_moments(session, caller.workspace_id, channel_id, slots, tz, now)
        for channel_id in requested
    }
    full = [
        FieldError(
            field=f"channel_ids.{index}",
            message=f"channel {channel_id} has no free slot in the next {HORIZON_DAYS} days; "
            "add slots at /queue/slots",
        )
        for index, channel_id in enumerate(canonical)
        if not free[channel_id]
    ]
    if full:
        raise Conflict("; ".join(error.message for error in full), errors=full)
    # Only a choice is worth asking metrics-svc about.
    choosing = [channel_id for channel_id in requested if len(free[channel_id]) > 1]
    scores = await best_times.scores(choosing, time_zone) if choosing else {}
    send_at = {
        channel_id: await _claim_best(
            session, post, channel_id, free[channel_id], slots, scores.get(channel_id), tz, now
        )
        for channel_id in requested
    }
    return await publish_post(
        session,
        caller,
        post_id,
        channel_ids,
        channels,
        library=library,
        scheduled_at=min(send_at.values()),
        options=options,
        send_at=send_at,
    )


async def _claim_best(
    session: AsyncSession,
    post: Post,
    channel_id: str,
    free: Sequence[datetime],
    slots: Mapping[str, Sequence[QueueSlot]],
    hours: HourScores | None,
    tz: ZoneInfo,
    now: datetime,
) -> datetime:
    """Claim the best of the channel's `free` moments for `post`; when a concurrent
    request took it meanwhile, the best of those still free."""
    for _ in range(CLAIM_ATTEMPTS):
        if not free:
            break
        moment = _best(free, hours, tz)
        if await _claim(session, post, channel_id, moment):
            return moment
        free = await _free_moments(session, post.workspace_id, channel_id, slots, tz, now)
    raise Conflict(
        f"The slots of channel {channel_id} were taken by other requests meanwhile; "
        "try again, or add slots.",
        channel_id=channel_id,
    )


async def queue_occurrence(
    session: AsyncSession, post: Post, channel_ids: Sequence[str], now: datetime
) -> dict[str, datetime]:
    """Claim, for a recurring post's occurrence released at `now`, each of `channel_ids`'
    next free slot, as queueing the post did: the channels the post was queued for
    (`post.send_times`) go out at a slot of their own again, never one another post holds.
    A channel that has no slot left, or no free one within the horizon, goes out at
    `now` (logged). The best times are not asked: nobody's token is at hand, and the
    occurrence's day is set by its interval, not by a choice among days."""
    queued = sorted(cid for cid in channel_ids if cid in post.send_times)
    if not queued:
        return {}
    # The slots of earlier occurrences that have passed: the channel rows are about to
    # show this occurrence as pending, which would make those claims count again.
    await repository.drop_claims_of(session, post.id, before=now)
    tz = zone((await review_settings(session, post.workspace_id)).time_zone)
    slots = await repository.slots_of(session, post.workspace_id, queued)
    send_at: dict[str, datetime] = {}
    for channel_id in queued:
        free = await _free_moments(session, post.workspace_id, channel_id, slots, tz, now)
        try:
            send_at[channel_id] = await _claim_best(
                session, post, channel_id, free, slots, None, tz, now
            )
        except Conflict:
            log.warning("recurrence_without_free_slot", post_id=post.id, channel_id=channel_id)
    return send_at


async def list_queue(
    session: AsyncSession,
    caller: Caller,
    *,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[QueuedRead], str | None]:
    """The slots queued posts hold from now on, soonest first, one item per channel,
    each with where its post stands on every one of its channels."""
    tz = zone((await review_settings(session, caller.workspace_id)).time_zone)
    now = utcnow()
    rows = await repository.list_queue(
        session,
        caller.workspace_id,
        since=now,
        channel_id=checked_channel_id(channel_id),
        limit=limit,
        cursor=cursor,
    )
    page, next_cursor = split_page(
        rows, limit, sort=repository.QUEUE_ORDER, key=lambda row: (row[0].slot_at, row[0].id)
    )
    upcoming = await repository.upcoming_slots(session, {post.id for _, post in page}, now)
    items = []
    for claim, post in page:
        local = claim.slot_at.astimezone(tz)
        items.append(
            QueuedRead(
                post_id=claim.post_id,
                title=post.title,
                channel_id=claim.channel_id,
                slot_at=local,
                local_time=local.strftime("%H:%M"),
                post_status=(
                    "published" if post.status == PostStatus.PUBLISHED.value else "scheduled"
                ),
                channels=channel_states(post, upcoming.get(post.id, {}), now, tz),
            )
        )
    return items, next_cursor


def channel_states(
    post: Post, upcoming: Mapping[str, datetime], now: datetime, tz: ZoneInfo
) -> list[QueuedChannel]:
    """Where `post` stands on each of its channels: a scheduled post waits on all of them;
    a published one shows each channel's outcome as channel-svc reported it, or, while
    there is none, waits for the channel's slot (`upcoming`: the slots its live claims
    hold) or is being sent."""
    times = post.send_times
    if post.status != PostStatus.PUBLISHED.value:
        start = post.scheduled_at or now
        return [
            QueuedChannel(
                channel_id=cid,
                state="scheduled",
                at=upcoming.get(cid, times.get(cid, start)).astimezone(tz),
            )
            for cid in sorted(post.scheduled_channel_ids)
        ]
    shown = []
    for row in post.channels:
        at: datetime | None
        if row.status == DeliveryStatus.PENDING.value:
            at = upcoming.get(row.channel_id) or times.get(row.channel_id) or post.published_at
            state: ChannelState = "scheduled" if at is not None and at > now else "sending"
        else:
            at = row.outcome_at
            state = "published" if row.status == DeliveryStatus.SUCCEEDED.value else "failed"
        shown.append(
            QueuedChannel(
                channel_id=row.channel_id,
                state=state,
                at=at.astimezone(tz) if at is not None else None,
            )
        )
    return shown


async def move_queued(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    slot_at: datetime,
    *,
    channel_id: str | None = None,
) -> Post:
    """Move a queued post on one of its channels (`channel_id`), or on all of them, to
    another free slot there."""
    post = await get_post(session, caller, post_id, for_update=True)
    claims = await _require_queued(session, post, "move")
    times = {claim.channel_id: claim.slot_at for claim in claims}
    moving = list(times)
    if channel_id is not None:
        canonical = checked_channel_id(channel_id)
        if canonical not in times:
            raise Invalid.field("channel_id", "is not a channel the post is queued for")
        moving = [canonical]
    slot_at = slot_at.astimezone(UTC)
    moving = [cid for cid in moving if times[cid] != slot_at]
    if not moving:
        return post
    tz = zone((await review_settings(session, caller.workspace_id)).time_zone)
    slots = await repository.slots_of(session, caller.workspace_id, moving)
    now = utcnow()
    for cid in moving:
        if slot_at not in await _free_moments(session, caller.workspace_id, cid, slots, tz, now):
            raise Invalid.field(
                "slot_at",
                f"is not a free slot of channel {cid} within the next {HORIZON_DAYS} days "
                "(see GET /queue/slots and GET /queue)",
            )
    await repository.drop_claims_of(session, post.id, only=moving)
    for cid in moving:
        if not await _claim(session, post, cid, slot_at):
            raise Conflict("Another request took this slot meanwhile; pick another one.")
        times[cid] = slot_at
    record_transition(
        session,
        post,
        caller.user_id,
        action="publish",
        to_status=PostStatus.SCHEDULED,
        comment=f"moved in the queue to {slot_at.astimezone(tz).isoformat()} on "
        f"{', '.join(sorted(moving))}",
    )
    post.send_times = times
    post.scheduled_at = min(times.values())
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
    """The claims of a post in the queue; a 409 for one that is not, or that is published
    already (its distributions are channel-svc's to cancel)."""
    claims = await repository.claims_of(session, post)
    if post.status == PostStatus.PUBLISHED.value:
        raise refuse(
            post,
            action,
            "This post is published: a channel still waiting for its slot is cancelled at "
            "POST /distributions/{id}/cancel.",
        )
    if not claims:
        raise refuse(post, action, "This post is not in the posting queue.")
    return claims


async def _free_moments(
    session: AsyncSession,
    workspace_id: str,
    channel_id: str,
    slots: Mapping[str, Sequence[QueueSlot]],
    tz: ZoneInfo,
    now: datetime,
) -> list[datetime]:
    """The channel's slot moments after `now` that no live claim holds, soonest first."""
    first_day = now.astimezone(tz).date()
    mine = moments(slots[channel_id], tz, first_day, HORIZON_DAYS)
    taken = await repository.taken_moments(session, workspace_id, channel_id, now)
    return sorted(moment for moment in mine - taken if moment > now + LEAD)


def _best(free: Sequence[datetime], hours: HourScores | None, tz: ZoneInfo) -> datetime:
    """The first free moment, or, when the channel has best times, the best-scored one
    within a week of it (the earlier of equals)."""
    if not hours:
        return free[0]

    def score(moment: datetime) -> float:
        local = moment.astimezone(tz)
        return hours.get((local.weekday(), local.hour), 0.0)

    window = [moment for moment in free if moment < free[0] + RANK_WINDOW]
    return max(window, key=lambda moment: (score(moment), -moment.timestamp()))


async def _claim(session: AsyncSession, post: Post, channel_id: str, moment: datetime) -> bool:
    """Claim `moment` on the channel for `post`; False when a concurrent request holds it
    (the unique constraint), with nothing claimed."""
    await repository.drop_stale_claims(session, post.workspace_id, channel_id, moment)
    try:
        async with session.begin_nested():
            session.add(
                QueuedPost(
                    workspace_id=post.workspace_id,
                    channel_id=channel_id,
                    post_id=post.id,
                    slot_at=moment,
                )
            )
            await session.flush()
    except IntegrityError:
        log.info(
            "queue_slot_taken_meanwhile",
            post_id=post.id,
            channel_id=channel_id,
            slot_at=moment.isoformat(),
        )
        return False
    return True
