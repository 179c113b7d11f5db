"""Recurring posts: an evergreen post sent again to its channels every N days until a day.

Occurrence 0 is the post's own publication (or its schedule); occurrence n is due at
`first_at + n * every_days` and, when due, goes out as `post.published` with `occurrence`
n: channel-svc plans it as a distribution set of its own (its key is post, channel and
occurrence), never as a repeat of the first. A post the posting queue scheduled keeps the
queue's way for every occurrence: each channel it was queued for takes its own next free
slot from the occurrence's time on (`queue.service.queue_occurrence`, never one another
post holds), named in the event's `send_at`. The post's channel rows show the newest
occurrence: pending from its release until channel-svc reports its outcome.

The releaser runs with the scheduled-post releaser; its rows are claimed with
`FOR UPDATE SKIP LOCKED` and advanced in the same transaction as the event is written, so
an occurrence goes out once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.media.service import Library
from content_svc.models import DeliveryStatus, PostRecurrence, PostStatus
from content_svc.posts import repository as posts
from content_svc.posts.publishing import SCHEDULE_HORIZON
from content_svc.posts.review import workspace_time_zone
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import publication
from content_svc.posts.states import refuse
from content_svc.queue.service import queue_occurrence
from content_svc.recurrence import repository
from content_svc.recurrence.schemas import NEXT_SHOWN, Occurrence, RecurrenceRead, RecurrenceSet

log = structlog.get_logger(__name__)


def _end_of(until: date, zone: ZoneInfo) -> datetime:
    """The first moment after the day `until` in `zone`."""
    return datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)


def _at(recurrence: PostRecurrence, occurrence: int) -> datetime:
    return recurrence.first_at + timedelta(days=recurrence.every_days * occurrence)


def _next_number(recurrence: PostRecurrence, now: datetime) -> int:
    """The first occurrence after the last one sent that is still to come."""
    step = timedelta(days=recurrence.every_days)
    passed = (now - recurrence.first_at) // step if now > recurrence.first_at else 0
    return max(recurrence.occurrence + 1, passed + 1)


async def set_recurrence(
    session: AsyncSession, caller: Caller, post_id: str, data: RecurrenceSet
) -> RecurrenceRead:
    """Make a published or scheduled post recur (or change how it does); its next
    occurrence is the first one still to come. A 409 for a post in another state, a 422
    naming `until` when no occurrence would fall on or before it."""
    post = await get_post(session, caller, post_id, for_update=True)
    if post.status == PostStatus.PUBLISHED.value and post.published_at is not None:
        first_at = post.published_at
    elif post.status == PostStatus.SCHEDULED.value and post.scheduled_at is not None:
        first_at = post.scheduled_at
    else:
        raise refuse(post, "recur", f"A {post.status} post cannot recur: publish or schedule it.")
    now = utcnow()
    zone = await workspace_time_zone(session, caller.workspace_id)
    if _end_of(data.until, zone) > now + SCHEDULE_HORIZON:
        raise Invalid.field("until", "may be at most a year ahead")
    recurrence = await repository.get_recurrence(
        session, caller.workspace_id, post.id, for_update=True
    )
    if recurrence is None:
        recurrence = PostRecurrence(
            post_id=post.id, workspace_id=post.workspace_id, occurrence=0, created_at=now
        )
        session.add(recurrence)
    recurrence.first_at = first_at
    recurrence.every_days = data.every_days
    recurrence.until = data.until
    recurrence.stopped_at = None
    recurrence.updated_at = now
    next_at = _at(recurrence, _next_number(recurrence, now))
    if next_at >= _end_of(data.until, zone):
        raise Invalid.field(
            "until",
            f"no occurrence falls on or before it: the next would be on "
            f"{next_at.astimezone(zone).date().isoformat()}",
        )
    recurrence.next_at = next_at
    await session.flush()
    return _read(recurrence, zone)


async def stop_recurrence(session: AsyncSession, caller: Caller, post_id: str) -> RecurrenceRead:
    """No occurrence after this one; stopping a stopped recurrence changes nothing."""
    recurrence = await _recurrence(session, caller, post_id, for_update=True)
    if recurrence.stopped_at is None:
        recurrence.stopped_at = utcnow()
        recurrence.updated_at = recurrence.stopped_at
    recurrence.next_at = None
    await session.flush()
    return _read(recurrence, await workspace_time_zone(session, caller.workspace_id))


async def get_recurrence(session: AsyncSession, caller: Caller, post_id: str) -> RecurrenceRead:
    recurrence = await _recurrence(session, caller, post_id)
    return _read(recurrence, await workspace_time_zone(session, caller.workspace_id))


async def _recurrence(
    session: AsyncSession, caller: Caller, post_id: str, *, for_update: bool = False
) -> PostRecurrence:
    post = await get_post(session, caller, post_id)
    recurrence = await repository.get_recurrence(
        session, caller.workspace_id, post.id, for_update=for_update
    )
    if recurrence is None:
        raise NotFound(f"Post {post_id} does not recur.")
    return recurrence


def _read(recurrence: PostRecurrence, zone: ZoneInfo) -> RecurrenceRead:
    coming: list[Occurrence] = []
    if recurrence.next_at is not None:
        end = _end_of(recurrence.until, zone)
        number = round((recurrence.next_at - recurrence.first_at) / timedelta(days=1))
        number //= recurrence.every_days
        while len(coming) < NEXT_SHOWN and _at(recurrence, number) < end:
            coming.append(Occurrence(occurrence=number, at=_at(recurrence, number)))
            number += 1
    return RecurrenceRead(
        post_id=recurrence.post_id,
        every_days=recurrence.every_days,
        until=recurrence.until,
        time_zone=zone.key,
        first_at=recurrence.first_at,
        occurrence=recurrence.occurrence,
        next_at=recurrence.next_at,
        stopped_at=recurrence.stopped_at,
        next_occurrences=coming,
    )


async def release_due(
    session: AsyncSession, library: Library, *, now: datetime | None = None, limit: int = 50
) -> int:
    """Send every due occurrence (the latest due one, when several were missed while the
    service was down: an evergreen post goes out once, not in a burst); returns how many."""
    now = now or utcnow()
    released = 0
    for recurrence in await repository.claim_due(session, now, limit=limit):
        post = await posts.get_post(session, recurrence.workspace_id, recurrence.post_id)
        if post is None or post.status != PostStatus.PUBLISHED.value:
            # Archived, or a schedule that never went out: nothing to send again.
            recurrence.next_at = None
            recurrence.stopped_at = now
            log.info("recurrence_stopped", post_id=recurrence.post_id, status=post and post.status)
            continue
        number = _next_number(recurrence, now) - 1
        channel_ids = [channel.channel_id for channel in post.channels]
        later = await queue_occurrence(session, post, channel_ids, now)
        for row in post.channels:
            # The row shows the newest occurrence: pending until its outcome, which comes
            # after `now`; a late outcome of an earlier occurrence is older, so stale.
            row.status = DeliveryStatus.PENDING.value
            row.distribution_id = None
            row.outcome_at = now
            row.updated_at = now
        sent = await publication(session, library, post, channel_ids, now, send_at=later)
        emit(session, sent.model_copy(update={"occurrence": number}))
        recurrence.occurrence = number
        recurrence.updated_at = now
        zone = await workspace_time_zone(session, recurrence.workspace_id)
        following = _at(recurrence, number + 1)
        recurrence.next_at = following if following < _end_of(recurrence.until, zone) else None
        log.info("recurrence_released", post_id=post.id, occurrence=number)
        released += 1
    await session.flush()
    return released
