"""Every report the router serves: its parameters checked, then built by its module (posts,
overview, best times, content insights) from the rollups; charts drawn from the reports."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date, timedelta

from servicekit.db import utcnow
from servicekit.problems import Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion.rollups.gains import CHECKPOINTS
from metrics_svc.kit.dates import time_zone
from metrics_svc.replicas import repository as replicas
from metrics_svc.reports import best_times as best_times_report
from metrics_svc.reports import charts, insights, overview, posts, repository
from metrics_svc.reports.benchmark import AgeBasis, band
from metrics_svc.reports.overview import period
from metrics_svc.reports.schemas import (
    BestTimes,
    ChannelsReport,
    ContentInsights,
    Overview,
    PostReport,
    TopPost,
)
from metrics_svc.vocabulary import POST_METRICS

_draw_lock = threading.Lock()  # matplotlib's global state is not thread-safe


def check_metric(metric: str) -> None:
    if metric not in POST_METRICS:
        raise Invalid.field(
            "query.metric",
            f"{metric!r} is not a post metric; one of {', '.join(sorted(POST_METRICS))}",
        )


def age_basis(metric: str, age_hours: int, timezone: str, days: int) -> AgeBasis:
    """The parameters the age-based reports share, checked."""
    check_metric(metric)
    if age_hours not in CHECKPOINTS:
        raise Invalid.field("query.age_hours", f"one of {', '.join(map(str, CHECKPOINTS))}")
    return AgeBasis(metric, age_hours, time_zone(timezone), days)


async def _draw(render: Callable[[], bytes]) -> bytes:
    """A chart, drawn in a thread (one at a time) so that the event loop goes on."""

    def locked() -> bytes:
        with _draw_lock:
            return render()

    return await asyncio.to_thread(locked)


async def post_report(
    session: AsyncSession, workspace_id: str, post_id: str, metric: str
) -> PostReport:
    check_metric(metric)
    return await posts.post_report(session, workspace_id, post_id, metric)


async def overview_report(
    session: AsyncSession,
    workspace_id: str,
    start: date | None,
    end: date | None,
    interval: str,
    channel_id: str | None = None,
) -> Overview:
    span = period(start, end)
    return await overview.overview(session, workspace_id, span, interval, channel_id)


async def channels_report(
    session: AsyncSession, workspace_id: str, start: date | None, end: date | None
) -> ChannelsReport:
    return await overview.channels_report(session, workspace_id, period(start, end))


async def top_posts(
    session: AsyncSession,
    workspace_id: str,
    *,
    metric: str,
    start: date | None,
    end: date | None,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TopPost], str | None]:
    check_metric(metric)
    return await overview.top_posts(
        session,
        workspace_id,
        metric=metric,
        span=period(start, end) if start or end else None,
        channel_id=channel_id,
        limit=limit,
        cursor=cursor,
    )


async def best_times(
    session: AsyncSession,
    workspace_id: str,
    basis: AgeBasis,
    channel_id: str | None,
) -> BestTimes:
    rows = await repository.checkpoints(
        session,
        workspace_id,
        metric=basis.metric,
        age_hours=basis.age_hours,
        published_from=utcnow() - timedelta(days=basis.days),
        channel_id=channel_id,
    )
    names = await replicas.channel_names(session, workspace_id)
    return best_times_report.best_times(rows, names, basis, channel_id)


async def content_insights(
    session: AsyncSession, workspace_id: str, basis: AgeBasis, min_posts: int
) -> ContentInsights:
    now = utcnow()
    rows = await repository.checkpoints(
        session,
        workspace_id,
        metric=basis.metric,
        age_hours=basis.age_hours,
        published_from=now - timedelta(days=basis.days),
        # only posts that have reached the age: younger ones hold a provisional value
        published_until=now - timedelta(hours=basis.age_hours),
    )
    post_ids = sorted({r.post_id for r in rows})
    posts = await replicas.posts_by_id(session, workspace_id, post_ids)
    names = await replicas.channel_names(session, workspace_id)
    platforms = insights.platforms_of(
        await replicas.placements(session, workspace_id, post_ids), names
    )
    return insights.content_insights(rows, posts, platforms, basis, min_posts)


async def overview_chart(
    session: AsyncSession,
    workspace_id: str,
    start: date | None,
    end: date | None,
    interval: str,
    metric: str,
    fmt: str,
) -> bytes:
    report = await overview_report(session, workspace_id, start, end, interval)
    return await _draw(lambda: charts.overview_chart(report, metric, fmt))


async def post_chart(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str | None, fmt: str
) -> bytes:
    """The post's reads on one channel (the one with the most reads unless named) against
    the band of its peers there."""
    report = await posts.post_report(session, workspace_id, post_id, "reads")
    if not report.channels:
        raise NotFound(f"Post {post_id} has no channel yet.")
    if channel_id:
        matches = [i for i, c in enumerate(report.channels) if c.channel_id == channel_id]
        if not matches:
            raise NotFound(f"Post {post_id} was not published to channel {channel_id}.")
        index = matches[0]
    else:
        index = max(
            range(len(report.channels)), key=lambda i: report.channels[i].totals.get("reads", 0)
        )
    series = await repository.reads_series(
        session, workspace_id, post_id, report.channels[index].channel_id
    )
    peers = await band(session, workspace_id, series) if series else []
    return await _draw(lambda: charts.post_chart(report, index, peers, fmt))


async def channels_chart(
    session: AsyncSession, workspace_id: str, start: date | None, end: date | None, fmt: str
) -> bytes:
    report = await channels_report(session, workspace_id, start, end)
    return await _draw(lambda: charts.channels_chart(report, fmt))
