"""The ingestion's queries: the series figures go to, their stored points and buckets, the
posts and channels points name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from servicekit.db import locked
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.chunks import chunked, scalars_by_chunk
from metrics_svc.kit.upserts import insert_missing
from metrics_svc.models import (
    Channel,
    Conversion,
    DailyRollup,
    LinkClick,
    Post,
    PostChannel,
    Series,
    StatPoint,
)
from metrics_svc.replicas.repository import placements, posts_by_id

SeriesKey = tuple[str, str, str]
"""(channel id, post id or ACCOUNT, metric)"""


async def _series_of_posts(
    session: AsyncSession,
    workspace_id: str,
    post_ids: Iterable[str],
    channel_ids: Iterable[str] | None = None,
) -> list[Series]:
    """The series of these posts (on these channels), locked for the batch: concurrent
    batches touching the same series take turns."""
    found: list[Series] = []
    channel_slices = list(chunked(sorted(channel_ids), 500)) if channel_ids is not None else [None]
    for posts in chunked(sorted(post_ids), 500):
        for channels in channel_slices:
            query = select(Series).where(
                Series.workspace_id == workspace_id, Series.post_id.in_(posts)
            )
            if channels is not None:
                query = query.where(Series.channel_id.in_(channels))
            found.extend(await session.scalars(locked(session, query)))
    return found


async def series_for(
    session: AsyncSession, workspace_id: str, published: dict[SeriesKey, datetime | None]
) -> dict[SeriesKey, Series]:
    """The series of these keys, created (with their publication time) where missing."""
    keys = set(published)

    def wanted(rows: Iterable[Series]) -> dict[SeriesKey, Series]:
        by_key = {(row.channel_id, row.post_id, row.metric): row for row in rows}
        return {key: row for key, row in by_key.items() if key in keys}

    found = wanted(
        await _series_of_posts(
            session, workspace_id, {k[1] for k in keys}, channel_ids={k[0] for k in keys}
        )
    )
    missing = [k for k in keys if k not in found]
    if missing:
        await insert_missing(
            session,
            Series,
            [
                {
                    "workspace_id": workspace_id,
                    "channel_id": c,
                    "post_id": p,
                    "metric": m,
                    "published_at": published[(c, p, m)],
                    "latest_value": 0,
                    "latest_observed_at": None,
                }
                for c, p, m in missing
            ],
        )
        found |= wanted(await _series_of_posts(session, workspace_id, {k[1] for k in missing}))
    return found


async def series_of_posts(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> list[Series]:
    """Every series of these posts, on every channel (not locked: for reading)."""
    return await scalars_by_chunk(
        session,
        lambda ids: select(Series).where(
            Series.workspace_id == workspace_id, Series.post_id.in_(ids)
        ),
        list(post_ids),
    )


async def series_of_copy(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str
) -> list[Series]:
    """The series of one post on one channel, locked."""
    query = select(Series).where(
        Series.workspace_id == workspace_id,
        Series.post_id == post_id,
        Series.channel_id == channel_id,
    )
    return list(await session.scalars(locked(session, query)))


async def stored_points(
    session: AsyncSession, wanted: dict[int, list[datetime]]
) -> dict[tuple[int, datetime], StatPoint]:
    """The raw points stored at these times of these series."""
    found: dict[tuple[int, datetime], StatPoint] = {}
    pairs = [(sid, at) for sid, ats in wanted.items() for at in ats]
    for chunk in chunked(pairs, 300):
        by_series: dict[int, list[datetime]] = defaultdict(list)
        for sid, at in chunk:
            by_series[sid].append(at)
        condition = or_(
            *(
                and_(StatPoint.series_id == sid, StatPoint.observed_at.in_(ats))
                for sid, ats in by_series.items()
            )
        )
        for row in await session.scalars(select(StatPoint).where(condition)):
            found[(row.series_id, row.observed_at)] = row
    return found


async def points_since(
    session: AsyncSession, series_id: int, start: datetime | None = None
) -> list[StatPoint]:
    """A series' raw points from `start` on (all of them without), oldest first."""
    query = select(StatPoint).where(StatPoint.series_id == series_id)
    if start is not None:
        query = query.where(StatPoint.observed_at >= start)
    return list(await session.scalars(query.order_by(StatPoint.observed_at)))


async def point_times_since(
    session: AsyncSession, series_id: int, start: datetime
) -> list[datetime]:
    return list(
        await session.scalars(
            select(StatPoint.observed_at).where(
                StatPoint.series_id == series_id, StatPoint.observed_at >= start
            )
        )
    )


async def point_before(
    session: AsyncSession, series_id: int, start: datetime | None = None
) -> StatPoint | None:
    """A series' last raw point before `start` (its newest, without one)."""
    query = select(StatPoint).where(StatPoint.series_id == series_id)
    if start is not None:
        query = query.where(StatPoint.observed_at < start)
    return await session.scalar(query.order_by(StatPoint.observed_at.desc()).limit(1))


async def daily_gains_since(
    session: AsyncSession, series_id: int, start: datetime
) -> dict[datetime, int]:
    rows = await session.scalars(
        select(DailyRollup).where(DailyRollup.series_id == series_id, DailyRollup.bucket >= start)
    )
    return {row.bucket: row.gain for row in rows}


@dataclass
class Known:
    """What the workspace knows of the posts and channels a submission names."""

    posts: dict[str, Post] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    post_channels: dict[str, list[PostChannel]] = field(default_factory=dict)  # by post id
    by_external: dict[tuple[str, str], PostChannel] = field(default_factory=dict)


async def known(
    session: AsyncSession,
    workspace_id: str,
    post_ids: Sequence[str],
    channel_ids: Sequence[str],
    externals: Sequence[tuple[str, str]],
) -> Known:
    """The posts named and where they went, the copies named by (channel id, platform id),
    and the channels named or of the posts named (their platform reads the metric)."""
    found = Known()
    found.posts = await posts_by_id(session, workspace_id, post_ids)
    for row in await placements(session, workspace_id, post_ids):
        found.post_channels.setdefault(row.post_id, []).append(row)
    for pairs in chunked(externals, 200):
        condition = or_(
            *(
                and_(PostChannel.channel_id == channel, PostChannel.external_id == external)
                for channel, external in pairs
            )
        )
        # Should two posts carry the same platform id, the one that went live last wins.
        for row in await session.scalars(
            select(PostChannel)
            .where(PostChannel.workspace_id == workspace_id, condition)
            .order_by(PostChannel.published_at, PostChannel.post_id)
        ):
            assert row.external_id is not None
            found.by_external[(row.channel_id, row.external_id)] = row
    placed = {row.channel_id for rows in found.post_channels.values() for row in rows}
    for ids in chunked(sorted(set(channel_ids) | placed), 500):
        for channel in await session.scalars(
            select(Channel).where(Channel.workspace_id == workspace_id, Channel.id.in_(ids))
        ):
            found.channels[channel.id] = channel
    return found


async def one_series(
    session: AsyncSession,
    workspace_id: str,
    channel_id: str,
    post_id: str,
    metric: str,
    *,
    lock: bool = False,
) -> Series | None:
    """One series; `lock` holds its row until the transaction ends (PostgreSQL), for a
    writer that builds on its latest value."""
    query = select(Series).where(
        Series.workspace_id == workspace_id,
        Series.channel_id == channel_id,
        Series.post_id == post_id,
        Series.metric == metric,
    )
    return await session.scalar(locked(session, query) if lock else query)


async def counted_events(
    session: AsyncSession, metric: str, placement: PostChannel, since: datetime
) -> tuple[int, list[datetime]]:
    """Of the post's clicks or conversions on the channel: how many came before `since`,
    and when each of the others came."""
    at: Any
    model: type[LinkClick] | type[Conversion]
    if metric == "clicks":
        at, model = LinkClick.clicked_at, LinkClick
    else:
        at, model = Conversion.occurred_at, Conversion
    where = (
        model.workspace_id == placement.workspace_id,
        model.post_id == placement.post_id,
        model.channel_id == placement.channel_id,
    )
    before = await session.scalar(select(func.count()).where(*where, at < since))
    times = list(await session.scalars(select(at).where(*where, at >= since)))
    return int(before or 0), times
