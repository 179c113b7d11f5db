"""The rules of the figures collectors: which channels have one, when each runs (WeChat
daily after the morning availability, Weibo hourly; a spent quota waits for the next day,
a busy platform is asked again with backoff), what an operator sees and triggers, and
what a run's outcome changes: its row, `platform.figures.collected` to metrics-svc and
(Weibo) `platform.comments.collected` to user-svc."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from event_contracts import (
    CollectedComment,
    CollectedFigure,
    CommentsCollectedV1,
    FiguresCollectedV1,
)
from servicekit.problems import Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Outcome
from channel_svc.adapters.common import next_china_midnight
from channel_svc.channels import repository as channels
from channel_svc.events import emit
from channel_svc.models import Channel, ChannelSync
from channel_svc.settings import Settings
from channel_svc.sync import backfill, repository
from channel_svc.sync.collectors import BEIJING, Collection, beijing_day
from channel_svc.sync.schemas import SyncRead

# The platforms with figures to pull, and the vocabulary and source their figures are in.
COLLECTED: dict[str, tuple[str, str]] = {
    "wechat_oa": ("wechat", "wechat_datacube"),
    "weibo": ("weibo", "weibo_api"),
}
T = TypeVar("T")

# What one event carries at most, well under MAX_EVENT_BYTES: figures are about 300
# bytes each, comments at most about 1 KB (140 characters of text and their ids).
FIGURES_PER_EVENT = 1000
COMMENTS_PER_EVENT = 200


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: what it gathered, and the judged failure if it stopped."""

    collection: Collection
    outcome: Outcome | None = None  # None: it ran in full
    code: str | None = None
    message: str | None = None


def connect(session: AsyncSession, channel: Channel, now: datetime) -> None:
    """A channel just connected: its collector, with a first run (the backfill) due now."""
    if channel.platform in COLLECTED:
        session.add(
            ChannelSync(
                channel_id=channel.id,
                workspace_id=channel.workspace_id,
                platform=channel.platform,
                next_run_at=now,
                failures=0,
                figures_last_run=0,
            )
        )


async def _sync_of(session: AsyncSession, workspace_id: str, channel_id: str) -> ChannelSync:
    channel = await channels.find(session, workspace_id=workspace_id, channel_id=channel_id)
    if channel is None:
        raise NotFound(f"no channel {channel_id}")
    sync = await repository.get(session, channel.id)
    if sync is None:
        raise NotFound(
            f"channel {channel_id} ({channel.platform}) has no figures to collect: only "
            f"{', '.join(sorted(COLLECTED))} channels do"
        )
    return sync


async def status(session: AsyncSession, *, workspace_id: str, channel_id: str) -> SyncRead:
    return SyncRead.of(await _sync_of(session, workspace_id, channel_id))


async def trigger(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    now: datetime,
    backfill_days: int | None = None,
) -> SyncRead:
    """Run the collector now (a run under way is not doubled: it holds its lease), with a
    backfill of the last `backfill_days` (WeChat) pulled from this run on."""
    sync = await _sync_of(session, workspace_id, channel_id)
    if backfill_days is not None:
        _ask_backfill(sync, backfill_days, now)
    sync.next_run_at = now
    await session.flush()
    return SyncRead.of(sync)


def _ask_backfill(sync: ChannelSync, days: int, now: datetime) -> None:
    if sync.platform != "wechat_oa":
        raise Invalid.field(
            "backfill_days",
            "only WeChat channels backfill: the platform keeps their figures of past days",
        )
    wanted = backfill.requested(beijing_day(now) - timedelta(days=1), days)
    if wanted is None:
        return  # every run pulls these days
    first, until = wanted
    if sync.backfill_from is not None and sync.backfill_until is not None:
        # A backfill under way goes on further back if asked; the days newer than where it
        # stands were pulled already (by it, or by the regular runs since).
        first, until = min(first, sync.backfill_from), sync.backfill_until
    sync.backfill_from, sync.backfill_until = first, until


def backfill_portion(
    sync: ChannelSync, now: datetime, settings: Settings
) -> tuple[date, date] | None:
    """The backfill days this run pulls: none if none are pending, or if a portion was
    pulled this Beijing day already (the day's quotas are shared with the regular runs)."""
    if sync.backfill_from is None or sync.backfill_until is None:
        return None
    if sync.backfill_portion_on == beijing_day(now):
        return None
    return backfill.portion(
        sync.backfill_from, sync.backfill_until, settings.sync_backfill_days_per_day
    )


def _advance_backfill(sync: ChannelSync, pulled: tuple[date, date]) -> None:
    if sync.backfill_from is None or pulled[0] <= sync.backfill_from:
        sync.backfill_from = sync.backfill_until = None
    else:
        sync.backfill_until = pulled[0] - timedelta(days=1)


def next_regular(platform: str, now: datetime, settings: Settings) -> datetime:
    if platform == "weibo":
        slot = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return slot + timedelta(seconds=settings.weibo_sync_seconds)
    local = now.astimezone(UTC) + BEIJING
    run = datetime.combine(local.date(), time(settings.sync_hour_beijing), tzinfo=UTC)
    if run <= local:
        run += timedelta(days=1)
    return run - BEIJING


def after_quota(platform: str, now: datetime, settings: Settings) -> datetime:
    """The first regular run once the spent quota is back (WeChat: the next day's)."""
    if platform == "weibo":
        return next_regular(platform, now, settings)
    return next_regular(platform, next_china_midnight(now), settings)


def backoff(failures: int, settings: Settings) -> timedelta:
    seconds = settings.sync_backoff_seconds * 2 ** max(failures - 1, 0)
    return timedelta(seconds=min(seconds, settings.sync_backoff_max_seconds))


def _chunks(
    sync: ChannelSync, items: list[T], size: int, now: datetime
) -> Iterator[tuple[dict[str, Any], list[T]]]:
    """`items` in order, `size` at most to a chunk, each chunk one event of one collection:
    with the chunk, the fields every event of the collection carries."""
    platform, _ = COLLECTED[sync.platform]
    collection_id = str(uuid.uuid4())
    parts = [items[start : start + size] for start in range(0, len(items), size)]
    for number, part in enumerate(parts, start=1):
        fields = {
            "collection_id": collection_id,
            "workspace_id": sync.workspace_id,
            "channel_id": sync.channel_id,
            "platform": platform,
            "collected_at": now,
            "chunk": number,
            "chunks": len(parts),
        }
        yield fields, part


def _announce(
    session: AsyncSession, sync: ChannelSync, figures: list[CollectedFigure], now: datetime
) -> None:
    _, source = COLLECTED[sync.platform]
    for fields, part in _chunks(sync, figures, FIGURES_PER_EVENT, now):
        emit(session, FiguresCollectedV1(**fields, source=source, figures=part))


def _announce_comments(
    session: AsyncSession, sync: ChannelSync, comments: list[CollectedComment], now: datetime
) -> None:
    for fields, part in _chunks(sync, comments, COMMENTS_PER_EVENT, now):
        emit(session, CommentsCollectedV1(**fields, comments=part))


async def name_posts(session: AsyncSession, channel_id: str, collection: Collection) -> None:
    """Comments under statuses older than the collector follows still name our post."""
    unknown = {c.status_id for c in collection.comments if c.post_id is None}
    if not unknown:
        return
    posts = await repository.posts_by_external_id(session, channel_id, unknown)
    collection.comments = [
        c.model_copy(update={"post_id": posts[c.status_id]})
        if c.post_id is None and c.status_id in posts
        else c
        for c in collection.comments
    ]


def settle(
    session: AsyncSession, sync: ChannelSync, run: RunOutcome, now: datetime, settings: Settings
) -> None:
    """Record a run: its figures go to metrics-svc and its comments to user-svc (even a
    stopped run's: both are keyed), and the next run is scheduled by how it ended."""
    figures = run.collection.figures
    if figures:
        _announce(session, sync, figures, now)
    if run.collection.comments:
        _announce_comments(session, sync, run.collection.comments, now)
    cursor = run.collection.comments_cursor
    if cursor is not None:
        sync.comments_since_id = cursor.since
        sync.comments_backlog_max_id = cursor.backlog_max
        sync.comments_backlog_newest_id = cursor.backlog_newest
    sync.comments_last_run = len(run.collection.comments)
    if run.collection.backfill_begun is not None:
        # Its calls were made, whatever became of them: the next portion is tomorrow's.
        sync.backfill_portion_on = beijing_day(now)
    # An operator asked for a run while this one was under way: it stays due.
    triggered = sync.next_run_at > now and run.outcome is not Outcome.DEFERRED
    _schedule(sync, run, now, settings)
    if triggered:
        sync.next_run_at = now


def _schedule(sync: ChannelSync, run: RunOutcome, now: datetime, settings: Settings) -> None:
    sync.last_run_at = now
    sync.lease_until = None
    sync.figures_last_run = len(run.collection.figures)
    if run.outcome is None:
        sync.last_success_at = now
        sync.last_error = sync.last_error_code = None
        sync.failures = 0
        if run.collection.through is not None:
            sync.collected_through = run.collection.through
        if run.collection.backfilled is not None:
            _advance_backfill(sync, run.collection.backfilled)
        sync.next_run_at = next_regular(sync.platform, now, settings)
        return
    sync.last_error, sync.last_error_code = run.message, run.code
    sync.failures += 1
    if run.outcome is Outcome.DEFERRED:
        sync.next_run_at = after_quota(sync.platform, now, settings)
    elif run.outcome is Outcome.RETRY:
        sync.next_run_at = now + backoff(sync.failures, settings)
    else:  # credentials refused, not authorised...: an operator acts; tried again daily
        sync.next_run_at = next_regular(sync.platform, now, settings)
