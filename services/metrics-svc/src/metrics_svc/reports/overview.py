"""Reports over periods: the overview by day or week, channels side by side, top posts.

All read the daily rollups (per channel, or per series for top posts), never raw points.
Days are UTC days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from servicekit.db import utcnow
from servicekit.pagination import decode_cursor, not_a_cursor, split_page
from servicekit.problems import Invalid
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.dates import day_start, week_floor
from metrics_svc.replicas.repository import channel_labels, channel_names, posts_by_id
from metrics_svc.reports import repository
from metrics_svc.reports.posts import rate
from metrics_svc.reports.schemas import (
    ChannelsReport,
    ChannelSummary,
    Overview,
    OverviewBucket,
    OverviewChannel,
    SentimentCounts,
    TopPost,
)
from metrics_svc.reports.sentiment import channel_sentiments
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
    return Period(day_start(first), day_start(last) + timedelta(days=1))


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
        return shaped(
            OverviewBucket, self, start=start, engagement_rate=rate(self.engagement, self.reads)
        )


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
    gains = await repository.channel_gains(session, workspace_id, span.start, span.end, channel_id)
    levels = await repository.followers_levels(session, workspace_id, span.end, channel_id)
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
            **channel_labels(names, channel),
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
    gains = await repository.channel_gains(session, workspace_id, span.start, span.end)
    levels = await repository.followers_levels(session, workspace_id, span.end, None)
    names = await channel_names(session, workspace_id)
    values = await repository.conversion_values_between(session, workspace_id, span.start, span.end)
    figures: dict[str, _Figures] = defaultdict(_Figures)
    for _, channel, metric, account, gain in gains:
        figures[channel].add(metric, account, gain)
    posts = await repository.posts_per_channel(session, workspace_id, span.start, span.end)
    sentiments = await channel_sentiments(session, workspace_id, span.start, span.end)
    channel_ids = sorted(
        set(figures)
        | set(levels)
        | set(posts)
        | set(sentiments)
        | {c for c in names if not names[c].deleted}
    )
    out = []
    for channel in channel_ids:
        f = figures[channel]
        count = posts.get(channel, 0)
        out.append(
            shaped(
                ChannelSummary,
                f,
                **channel_labels(names, channel),
                posts=count,
                reads_per_post=round(f.reads / count, 1) if count else None,
                engagement_rate=rate(f.engagement, f.reads),
                conversion_rate=rate(f.conversions, f.reads),
                click_conversion_rate=rate(f.conversions, f.clicks),
                conversion_value=values.get(channel, {}),
                followers=_level_at(levels.get(channel, []), span.end),
                sentiment=sentiments.get(channel, SentimentCounts()),
            )
        )
    out.sort(key=lambda c: (-c.reads, c.channel_id))
    return ChannelsReport(start=span.start, end=span.end, channels=out)


TOP_POSTS = "top-posts"


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
    after: tuple[int, str] | None = None
    if cursor:
        value, post_id = decode_cursor(cursor, TOP_POSTS)
        if not isinstance(value, int) or isinstance(value, bool):
            raise not_a_cursor()
        after = (value, post_id)
    rows = await repository.top_posts(
        session,
        workspace_id,
        metric=metric,
        span=(span.start, span.end) if span else None,
        channel_id=channel_id,
        after=after,
        limit=limit,
    )
    page, next_cursor = split_page(rows, limit, sort=TOP_POSTS, key=lambda row: (row[1], row[0]))
    posts = await posts_by_id(session, workspace_id, [post_id for post_id, _ in page])
    items = [
        TopPost(
            post_id=post_id,
            title=posts[post_id].title if post_id in posts else None,
            published_at=posts[post_id].published_at if post_id in posts else None,
            metric=metric,
            value=value,
        )
        for post_id, value in page
    ]
    return items, next_cursor
