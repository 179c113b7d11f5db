"""The reports' queries. Reports read the rollups and the benchmark checkpoints (kept at
ingestion), never raw points."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.chunks import rows_by_chunk
from metrics_svc.models import (
    ACCOUNT,
    BenchmarkCheckpoint,
    CampaignPost,
    ChannelDailyRollup,
    Conversion,
    DailyRollup,
    HourlyRollup,
    InteractionCount,
    InteractionSentiment,
    Post,
    PostChannel,
    Series,
)

ChannelGain = tuple[datetime, str, str, bool, int]
"""(day, channel id, metric, account figures or not, gain) of the channels' daily rollup."""


async def get_post(session: AsyncSession, workspace_id: str, post_id: str) -> Post | None:
    return await session.get(Post, (workspace_id, post_id))


async def series_of_post(session: AsyncSession, workspace_id: str, post_id: str) -> list[Series]:
    return list(
        await session.scalars(
            select(Series).where(Series.workspace_id == workspace_id, Series.post_id == post_id)
        )
    )


async def community_comments(
    session: AsyncSession, workspace_id: str, post_id: str
) -> dict[str | None, int]:
    """Comments the community inbox counted on the post, per platform."""
    return {
        row.platform: row.count
        for row in await session.scalars(
            select(InteractionCount).where(
                InteractionCount.workspace_id == workspace_id,
                InteractionCount.post_id == post_id,
                InteractionCount.kind == "comments",
            )
        )
    }


SentimentRow = tuple[str, str, int]
"""(platform, sentiment, count) of a post's interactions."""


async def post_sentiments(
    session: AsyncSession, workspace_id: str, post_id: str
) -> list[SentimentRow]:
    """The post's interactions with text, counted per platform and sentiment."""
    rows = await session.execute(
        select(InteractionSentiment.platform, InteractionSentiment.sentiment, func.count())
        .where(
            InteractionSentiment.workspace_id == workspace_id,
            InteractionSentiment.post_id == post_id,
        )
        .group_by(InteractionSentiment.platform, InteractionSentiment.sentiment)
    )
    return [(platform, sentiment, count) for platform, sentiment, count in rows.all()]


async def channel_sentiments(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime
) -> list[tuple[str, str | None, str, str, int]]:
    """(channel id, the channel's platform, the interactions' platform, sentiment, count)
    of the interactions with text in [start, end) on the posts that went to each channel."""
    rows = await session.execute(
        select(
            PostChannel.channel_id,
            PostChannel.platform,
            InteractionSentiment.platform,
            InteractionSentiment.sentiment,
            func.count(),
        )
        .join(
            PostChannel,
            and_(
                PostChannel.workspace_id == InteractionSentiment.workspace_id,
                PostChannel.post_id == InteractionSentiment.post_id,
            ),
        )
        .where(
            InteractionSentiment.workspace_id == workspace_id,
            InteractionSentiment.occurred_at >= start,
            InteractionSentiment.occurred_at < end,
        )
        .group_by(
            PostChannel.channel_id,
            PostChannel.platform,
            InteractionSentiment.platform,
            InteractionSentiment.sentiment,
        )
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def campaigns_of_post(session: AsyncSession, workspace_id: str, post_id: str) -> list[str]:
    return sorted(
        set(
            await session.scalars(
                select(CampaignPost.campaign_id).where(
                    CampaignPost.workspace_id == workspace_id, CampaignPost.post_id == post_id
                )
            )
        )
    )


async def _conversion_values(
    session: AsyncSession, workspace_id: str, *where: ColumnElement[bool]
) -> dict[str, dict[str, float]]:
    """Reported conversions' value per channel ("" when none is known) and currency."""
    rows = await session.execute(
        select(Conversion.channel_id, Conversion.currency, func.sum(Conversion.value_cents))
        .where(Conversion.workspace_id == workspace_id, *where)
        .group_by(Conversion.channel_id, Conversion.currency)
    )
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for channel_id, currency, cents in rows:
        out[channel_id or ""][currency] = int(cents or 0) / 100
    return out


async def post_conversion_values(
    session: AsyncSession, workspace_id: str, post_id: str
) -> dict[str, dict[str, float]]:
    """The value of the post's conversions per channel and currency."""
    return await _conversion_values(session, workspace_id, Conversion.post_id == post_id)


async def conversion_values_between(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime
) -> dict[str, dict[str, float]]:
    """The value of the conversions between `start` and `end`, per channel and currency."""
    return await _conversion_values(
        session, workspace_id, Conversion.occurred_at >= start, Conversion.occurred_at < end
    )


async def curve(
    session: AsyncSession, series: Series, switch: datetime
) -> list[tuple[datetime, int]]:
    """(observed at, cumulative value) of the series' hourly buckets before `switch`, then
    of its daily buckets."""
    hourly = await session.execute(
        select(HourlyRollup.observed_at, HourlyRollup.value)
        .where(HourlyRollup.series_id == series.id, HourlyRollup.bucket < switch)
        .order_by(HourlyRollup.bucket)
    )
    daily = await session.execute(
        select(DailyRollup.observed_at, DailyRollup.value)
        .where(DailyRollup.series_id == series.id, DailyRollup.bucket >= switch)
        .order_by(DailyRollup.bucket)
    )
    return [(at, value) for at, value in hourly] + [(at, value) for at, value in daily]


async def channel_gains(
    session: AsyncSession,
    workspace_id: str,
    start: datetime,
    end: datetime,
    channel_id: str | None = None,
) -> list[ChannelGain]:
    query = select(
        ChannelDailyRollup.day,
        ChannelDailyRollup.channel_id,
        ChannelDailyRollup.metric,
        ChannelDailyRollup.account,
        ChannelDailyRollup.gain,
    ).where(
        ChannelDailyRollup.workspace_id == workspace_id,
        ChannelDailyRollup.day >= start,
        ChannelDailyRollup.day < end,
    )
    if channel_id:
        query = query.where(ChannelDailyRollup.channel_id == channel_id)
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


def followers_days(
    workspace_id: str, channel_id: str | None = None
) -> Select[str, datetime, int, int]:
    """(channel id, day, followers at the end of the day, gained that day) of the channels'
    account series."""
    query = (
        select(Series.channel_id, DailyRollup.bucket, DailyRollup.value, DailyRollup.gain)
        .join(DailyRollup, DailyRollup.series_id == Series.id)
        .where(
            Series.workspace_id == workspace_id,
            Series.post_id == ACCOUNT,
            Series.metric == "followers",
        )
    )
    if channel_id:
        query = query.where(Series.channel_id == channel_id)
    return query


async def followers_levels(
    session: AsyncSession, workspace_id: str, end: datetime, channel_id: str | None
) -> dict[str, list[tuple[datetime, int]]]:
    """Each channel's followers level per day (last value of the day), up to `end`."""
    query = followers_days(workspace_id, channel_id).where(DailyRollup.bucket < end)
    levels: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for channel, day, value, _ in await session.execute(query.order_by(DailyRollup.bucket)):
        levels[channel].append((day, value))
    return levels


async def posts_per_channel(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Posts that went live on each channel between `start` and `end`."""
    rows = await session.execute(
        select(PostChannel.channel_id, func.count())
        .where(
            PostChannel.workspace_id == workspace_id,
            PostChannel.published_at >= start,
            PostChannel.published_at < end,
        )
        .group_by(PostChannel.channel_id)
    )
    return {channel: int(count) for channel, count in rows.all()}


async def top_posts(
    session: AsyncSession,
    workspace_id: str,
    *,
    metric: str,
    span: tuple[datetime, datetime] | None,
    channel_id: str | None,
    after: tuple[int, str] | None,
    limit: int,
) -> list[tuple[str, int]]:
    """(post id, value) best first, from `after` (value, post id) on, one more than
    `limit`: the metric gained in the span, or the posts' totals without one."""
    if span is None:
        value = func.sum(Series.latest_value)
        query = select(Series.post_id, value.label("value")).where(
            Series.workspace_id == workspace_id,
            Series.metric == metric,
            Series.post_id != ACCOUNT,
        )
    else:
        value = func.sum(DailyRollup.gain)
        query = (
            select(Series.post_id, value.label("value"))
            .join(DailyRollup, DailyRollup.series_id == Series.id)
            .where(
                Series.workspace_id == workspace_id,
                Series.metric == metric,
                Series.post_id != ACCOUNT,
                DailyRollup.bucket >= span[0],
                DailyRollup.bucket < span[1],
            )
        )
    if channel_id:
        query = query.where(Series.channel_id == channel_id)
    query = query.group_by(Series.post_id)
    if after is not None:
        after_value, after_post = after
        query = query.having(
            or_(value < after_value, and_(value == after_value, Series.post_id > after_post))
        )
    rows = await session.execute(query.order_by(value.desc(), Series.post_id).limit(limit + 1))
    return [(post_id, int(total or 0)) for post_id, total in rows.all()]


async def checkpoints(
    session: AsyncSession,
    workspace_id: str,
    *,
    metric: str,
    age_hours: int,
    published_from: datetime,
    published_until: datetime | None = None,
    channel_id: str | None = None,
) -> list[BenchmarkCheckpoint]:
    """The posts' figures at one age, for posts published from `published_from` on (up to
    `published_until`, inclusive)."""
    query = select(BenchmarkCheckpoint).where(
        BenchmarkCheckpoint.workspace_id == workspace_id,
        BenchmarkCheckpoint.metric == metric,
        BenchmarkCheckpoint.age_hours == age_hours,
        BenchmarkCheckpoint.published_at >= published_from,
    )
    if published_until is not None:
        query = query.where(BenchmarkCheckpoint.published_at <= published_until)
    if channel_id:
        query = query.where(BenchmarkCheckpoint.channel_id == channel_id)
    return list(await session.scalars(query))


class Checkpoint(NamedTuple):
    """What a benchmark reads of a checkpoint (plain values: thousands are read at once)."""

    series_id: int
    age_hours: int
    channel_id: str
    metric: str
    published_at: datetime
    value: int


async def checkpoints_of(
    session: AsyncSession, series_ids: Sequence[int]
) -> dict[int, dict[int, Checkpoint]]:
    """Every checkpoint of these series, by series id and age."""
    found: dict[int, dict[int, Checkpoint]] = defaultdict(dict)
    for row in await rows_by_chunk(
        session,
        lambda ids: select(
            BenchmarkCheckpoint.series_id,
            BenchmarkCheckpoint.age_hours,
            BenchmarkCheckpoint.channel_id,
            BenchmarkCheckpoint.metric,
            BenchmarkCheckpoint.published_at,
            BenchmarkCheckpoint.value,
        ).where(BenchmarkCheckpoint.series_id.in_(ids)),
        list(series_ids),
    ):
        found[row[0]][row[1]] = Checkpoint._make(row)
    return found


async def peer_values(
    session: AsyncSession,
    workspace_id: str,
    channel_id: str,
    metric: str,
    *,
    published: tuple[datetime, datetime],
    age_hours: int | None = None,
) -> list[tuple[int, int, datetime, int]]:
    """(series id, age hours, published at, value) of the channel's checkpoints of posts
    published in [from, until) (at one age)."""
    query = select(
        BenchmarkCheckpoint.series_id,
        BenchmarkCheckpoint.age_hours,
        BenchmarkCheckpoint.published_at,
        BenchmarkCheckpoint.value,
    ).where(
        BenchmarkCheckpoint.workspace_id == workspace_id,
        BenchmarkCheckpoint.channel_id == channel_id,
        BenchmarkCheckpoint.metric == metric,
        BenchmarkCheckpoint.published_at >= published[0],
        BenchmarkCheckpoint.published_at < published[1],
    )
    if age_hours is not None:
        query = query.where(BenchmarkCheckpoint.age_hours == age_hours)
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def reads_series(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str
) -> Series | None:
    return await session.scalar(
        select(Series).where(
            Series.workspace_id == workspace_id,
            Series.post_id == post_id,
            Series.channel_id == channel_id,
            Series.metric == "reads",
        )
    )
