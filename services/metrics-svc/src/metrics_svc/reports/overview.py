"""Reports over periods: the overview by day or week, channels side by side, top posts.

All read the daily rollups (per channel, or per series for top posts), never raw points.
Days are UTC days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from servicekit.db import utcnow
from servicekit.problems import Invalid
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.catalog.service import channel_names
from metrics_svc.kit import decode_cursor, encode_cursor, week_floor
from metrics_svc.models import (
    ACCOUNT,
    ChannelDailyRollup,
    Conversion,
    DailyRollup,
    Post,
    PostChannel,
    Series,
)
from metrics_svc.reports.posts import conversion_values, rate
from metrics_svc.reports.schemas import (
    ChannelsReport,
    ChannelSummary,
    Overview,
    OverviewBucket,
    OverviewChannel,
    TopPost,
)
from metrics_svc.vocabulary import ENGAGEMENT_METRICS

MAX_SPAN = timedelta(days=731)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive


def period(start: date | None, end: date | None, *, default_days: int = 30) -> Period:
    """[from, to] as whole UTC days; `to` defaults to today, `from` to 30 days before it."""
    last = end or utcnow().date()
    first = start or last - timedelta(days=default_days - 1)
    if first > last:
        raise Invalid.field("query.from", "must not be after `to`")
    if last - first > MAX_SPAN:
        raise Invalid.field("query.from", "a report spans at most two years")
    begin = datetime.combine(first, time(0), tzinfo=UTC)
    return Period(begin, datetime.combine(last, time(0), tzinfo=UTC) + timedelta(days=1))


def _bucket(day: datetime, interval: str) -> datetime:
    return week_floor(day) if interval == "week" else day


@dataclass
class _Figures:
    reads: int = 0
    engagement: int = 0
    clicks: int = 0
    conversions: int = 0
    followers: int | None = None
    followers_net: int = 0
    follows_gained: int = 0
    unfollows: int = 0

    def add(self, metric: str, account: bool, gain: int) -> None:
        if account:
            if metric == "followers":
                self.followers_net += gain
            elif metric == "follows_gained":
                self.follows_gained += gain
            elif metric == "unfollows":
                self.unfollows += gain
            return
        if metric == "reads":
            self.reads += gain
        elif metric in ENGAGEMENT_METRICS:
            self.engagement += gain
        elif metric == "clicks":
            self.clicks += gain
        elif metric == "conversions":
            self.conversions += gain

    def bucket(self, start: datetime) -> OverviewBucket:
        return OverviewBucket(
            start=start,
            reads=self.reads,
            engagement=self.engagement,
            engagement_rate=rate(self.engagement, self.reads),
            clicks=self.clicks,
            conversions=self.conversions,
            followers=self.followers,
            followers_net=self.followers_net,
            follows_gained=self.follows_gained,
            unfollows=self.unfollows,
        )


async def _channel_gains(
    session: AsyncSession, workspace_id: str, span: Period, channel_id: str | None
) -> list[tuple[datetime, str, str, bool, int]]:
    query = select(
        ChannelDailyRollup.day,
        ChannelDailyRollup.channel_id,
        ChannelDailyRollup.metric,
        ChannelDailyRollup.account,
        ChannelDailyRollup.gain,
    ).where(
        ChannelDailyRollup.workspace_id == workspace_id,
        ChannelDailyRollup.day >= span.start,
        ChannelDailyRollup.day < span.end,
    )
    if channel_id:
        query = query.where(ChannelDailyRollup.channel_id == channel_id)
    return [tuple(row) for row in (await session.execute(query)).all()]  # type: ignore[misc]


async def _followers_levels(
    session: AsyncSession, workspace_id: str, end: datetime, channel_id: str | None
) -> dict[str, list[tuple[datetime, int]]]:
    """Each channel's followers level per day (last value of the day), up to `end`."""
    query = (
        select(Series.channel_id, DailyRollup.bucket, DailyRollup.value)
        .join(DailyRollup, DailyRollup.series_id == Series.id)
        .where(
            Series.workspace_id == workspace_id,
            Series.post_id == ACCOUNT,
            Series.metric == "followers",
            DailyRollup.bucket < end,
        )
        .order_by(DailyRollup.bucket)
    )
    if channel_id:
        query = query.where(Series.channel_id == channel_id)
    levels: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for channel, day, value in await session.execute(query):
        levels[channel].append((day, value))
    return levels


def _level_at(levels: list[tuple[datetime, int]], before: datetime) -> int | None:
    found = None
    for day, value in levels:
        if day < before:
            found = value
        else:
            break
    return found


async def overview(
    session: AsyncSession,
    workspace_id: str,
    span: Period,
    interval: str,
    channel_id: str | None = None,
) -> Overview:
    gains = await _channel_gains(session, workspace_id, span, channel_id)
    levels = await _followers_levels(session, workspace_id, span.end, channel_id)
    names = await channel_names(session, workspace_id)
    starts: list[datetime] = []
    cursor = _bucket(span.start, interval)
    step = timedelta(days=7 if interval == "week" else 1)
    while cursor < span.end:
        starts.append(cursor)
        cursor += step
    per_channel: dict[str, dict[datetime, _Figures]] = defaultdict(
        lambda: {start: _Figures() for start in starts}
    )
    totals = {start: _Figures() for start in starts}
    for day, channel, metric, account, gain in gains:
        start = _bucket(day, interval)
        per_channel[channel][start].add(metric, account, gain)
        totals[start].add(metric, account, gain)
    for channel in levels:
        per_channel[channel]
    for channel, figures in per_channel.items():
        for start in starts:
            level = _level_at(levels.get(channel, []), start + step)
            figures[start].followers = level
            if level is not None:
                totals[start].followers = (totals[start].followers or 0) + level
    channels = [
        OverviewChannel(
            channel_id=channel,
            name=names[channel].name if channel in names else None,
            platform=names[channel].platform if channel in names else None,
            buckets=[figures[start].bucket(start) for start in starts],
        )
        for channel, figures in sorted(per_channel.items())
    ]
    return Overview(
        start=span.start,
        end=span.end,
        interval=interval,
        channels=channels,
        totals=[totals[start].bucket(start) for start in starts],
    )


async def channels_report(session: AsyncSession, workspace_id: str, span: Period) -> ChannelsReport:
    gains = await _channel_gains(session, workspace_id, span, None)
    levels = await _followers_levels(session, workspace_id, span.end, None)
    names = await channel_names(session, workspace_id)
    values = await conversion_values(
        session,
        workspace_id,
        Conversion.occurred_at >= span.start,
        Conversion.occurred_at < span.end,
    )
    figures: dict[str, _Figures] = defaultdict(_Figures)
    for _, channel, metric, account, gain in gains:
        figures[channel].add(metric, account, gain)
    posts = dict(
        (
            await session.execute(
                select(PostChannel.channel_id, func.count())
                .where(
                    PostChannel.workspace_id == workspace_id,
                    PostChannel.published_at >= span.start,
                    PostChannel.published_at < span.end,
                )
                .group_by(PostChannel.channel_id)
            )
        ).all()
    )
    channel_ids = sorted(
        set(figures) | set(levels) | set(posts) | {c for c in names if not names[c].deleted}
    )
    out = []
    for channel in channel_ids:
        f = figures[channel]
        count = int(posts.get(channel, 0))
        out.append(
            ChannelSummary(
                channel_id=channel,
                name=names[channel].name if channel in names else None,
                platform=names[channel].platform if channel in names else None,
                posts=count,
                reads=f.reads,
                reads_per_post=round(f.reads / count, 1) if count else None,
                engagement=f.engagement,
                engagement_rate=rate(f.engagement, f.reads),
                clicks=f.clicks,
                conversions=f.conversions,
                conversion_rate=rate(f.conversions, f.reads),
                click_conversion_rate=rate(f.conversions, f.clicks),
                conversion_value=values.get(channel, {}),
                followers=_level_at(levels.get(channel, []), span.end),
                followers_net=f.followers_net,
                follows_gained=f.follows_gained,
                unfollows=f.unfollows,
            )
        )
    out.sort(key=lambda c: (-c.reads, c.channel_id))
    return ChannelsReport(start=span.start, end=span.end, channels=out)


async def top_posts(
    session: AsyncSession,
    workspace_id: str,
    *,
    metric: str,
    span: Period | None,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TopPost], str | None]:
    """Posts by `metric` gained in the period (or their totals), best first."""
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
                DailyRollup.bucket >= span.start,
                DailyRollup.bucket < span.end,
            )
        )
    if channel_id:
        query = query.where(Series.channel_id == channel_id)
    query = query.group_by(Series.post_id)
    if cursor:
        after = decode_cursor(cursor)
        try:
            after_value, after_post = int(after["v"]), str(after["p"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid.field("cursor", "not a cursor from a previous page") from exc
        query = query.having(
            or_(value < after_value, and_(value == after_value, Series.post_id > after_post))
        )
    rows = (
        await session.execute(query.order_by(value.desc(), Series.post_id).limit(limit + 1))
    ).all()
    page = rows[:limit]
    titles = {
        post.id: post
        for post in await session.scalars(
            select(Post).where(Post.workspace_id == workspace_id, Post.id.in_([r[0] for r in page]))
        )
    }
    items = [
        TopPost(
            post_id=post_id,
            title=titles[post_id].title if post_id in titles else None,
            published_at=titles[post_id].published_at if post_id in titles else None,
            metric=metric,
            value=int(total or 0),
        )
        for post_id, total in page
    ]
    next_cursor = (
        encode_cursor({"v": int(page[-1][1] or 0), "p": page[-1][0]}) if len(rows) > limit else None
    )
    return items, next_cursor
