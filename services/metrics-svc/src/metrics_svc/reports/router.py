from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from servicekit.auth import ANY_ROLE, Caller, require_access
from servicekit.problems import Invalid, NotFound, problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page
from sqlalchemy import select

from metrics_svc.ingestion.rollups import CHECKPOINTS
from metrics_svc.models import Series
from metrics_svc.reports import best_times as best_times_service
from metrics_svc.reports import charts, export, insights, posts
from metrics_svc.reports import overview as overview_service
from metrics_svc.reports.benchmark import band
from metrics_svc.reports.schemas import (
    BestTimes,
    ChannelsReport,
    ContentInsights,
    Overview,
    PostReport,
    TopPost,
)

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="stats:read"))]
Format = Annotated[Literal["json", "csv"], Query(description="csv downloads the report")]
ImageFormat = Literal["svg", "png"]
From = Annotated[date | None, Query(alias="from", description="First day (UTC), inclusive")]
To = Annotated[date | None, Query(alias="to", description="Last day (UTC), inclusive")]
Metric = Annotated[str, Query(max_length=32)]

IMAGE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}, "image/png": {}}}}
_draw_lock = threading.Lock()  # matplotlib's global state is not thread-safe


async def _draw(render: Callable[[], bytes], fmt: str) -> Response:
    def locked() -> bytes:
        with _draw_lock:
            return render()

    return Response(await asyncio.to_thread(locked), media_type=charts.MEDIA_TYPES[fmt])


def _checked(metric: str, age_hours: int, timezone: str) -> ZoneInfo:
    """The query parameters the age-based reports share, checked; the zone they name."""
    posts.check_metric(metric)
    if age_hours not in CHECKPOINTS:
        raise Invalid.field("query.age_hours", f"one of {', '.join(map(str, CHECKPOINTS))}")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid.field("query.timezone", f"unknown time zone {timezone!r}") from exc


@router.get(
    "/posts/{post_id}",
    response_model=PostReport,
    responses=problem_responses(401, 403, 404, 422),
    summary="A post's totals, rates, reads curve and benchmark verdict",
)
async def post_report(
    post_id: str,
    caller: Reader,
    session: DbSession,
    metric: Metric = "reads",
    format: Format = "json",
) -> PostReport | Response:
    posts.check_metric(metric)
    report = await posts.post_report(session, caller.workspace_id, post_id, metric)
    if format == "csv":
        return export.csv_response(f"post-{post_id}", export.post_rows(report))
    return report


@router.get(
    "/overview",
    response_model=Overview,
    responses=problem_responses(401, 403, 422),
    summary="Reads, engagement and followers per channel, by day or week",
)
async def overview(
    caller: Reader,
    session: DbSession,
    start: From = None,
    end: To = None,
    interval: Literal["day", "week"] = "day",
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    format: Format = "json",
) -> Overview | Response:
    span = overview_service.period(start, end)
    report = await overview_service.overview(
        session, caller.workspace_id, span, interval, channel_id
    )
    if format == "csv":
        return export.csv_response("overview", export.overview_rows(report))
    return report


@router.get(
    "/channels",
    response_model=ChannelsReport,
    responses=problem_responses(401, 403, 422),
    summary="Channels side by side over a period",
)
async def channels(
    caller: Reader, session: DbSession, start: From = None, end: To = None, format: Format = "json"
) -> ChannelsReport | Response:
    report = await overview_service.channels_report(
        session, caller.workspace_id, overview_service.period(start, end)
    )
    if format == "csv":
        return export.csv_response("channels", export.channels_rows(report))
    return report


@router.get(
    "/top-posts",
    response_model=Page[TopPost],
    responses=problem_responses(401, 403, 422),
    summary="Posts by a metric, best first (gained in the period, or all-time totals)",
)
async def top_posts(
    caller: Reader,
    session: DbSession,
    metric: Metric = "reads",
    start: From = None,
    end: To = None,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    format: Format = "json",
) -> Page[TopPost] | Response:
    posts.check_metric(metric)
    span = overview_service.period(start, end) if start or end else None
    items, next_cursor = await overview_service.top_posts(
        session,
        caller.workspace_id,
        metric=metric,
        span=span,
        channel_id=channel_id,
        limit=limit,
        cursor=cursor,
    )
    if format == "csv":
        return export.csv_response("top-posts", export.top_rows(items))
    return Page[TopPost](items=items, next_cursor=next_cursor)


@router.get(
    "/best-times",
    response_model=BestTimes,
    responses=problem_responses(401, 403, 422),
    summary="The hours of the week whose posts do best, per channel",
)
async def best_times(
    caller: Reader,
    session: DbSession,
    metric: Metric = "reads",
    age_hours: Annotated[int, Query(description=f"One of {list(CHECKPOINTS)}")] = 48,
    timezone: Annotated[str, Query(max_length=64)] = "Asia/Shanghai",
    days: Annotated[int, Query(ge=7, le=730)] = 180,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    format: Format = "json",
) -> BestTimes | Response:
    zone = _checked(metric, age_hours, timezone)
    report = await best_times_service.best_times(
        session,
        caller.workspace_id,
        metric=metric,
        age_hours=age_hours,
        zone=zone,
        days=days,
        channel_id=channel_id,
    )
    if format == "csv":
        return export.csv_response("best-times", export.best_rows(report))
    return report


@router.get(
    "/content-insights",
    response_model=ContentInsights,
    responses=problem_responses(401, 403, 422),
    summary="What content works: by tag, keyword, title length, weekday and hour, platform",
)
async def content_insights(
    caller: Reader,
    session: DbSession,
    metric: Metric = "reads",
    age_hours: Annotated[int, Query(description=f"One of {list(CHECKPOINTS)}")] = 48,
    timezone: Annotated[str, Query(max_length=64)] = "Asia/Shanghai",
    days: Annotated[int, Query(ge=7, le=730)] = 180,
    min_posts: Annotated[int, Query(ge=2, le=100, description="Smallest sample judged")] = 3,
    format: Format = "json",
) -> ContentInsights | Response:
    zone = _checked(metric, age_hours, timezone)
    report = await insights.content_insights(
        session,
        caller.workspace_id,
        metric=metric,
        age_hours=age_hours,
        days=days,
        zone=zone,
        min_posts=min_posts,
    )
    if format == "csv":
        return export.csv_response("content-insights", export.insight_rows(report))
    return report


@router.get(
    "/charts/overview.{fmt}",
    responses=IMAGE | problem_responses(401, 403, 422),
    response_class=Response,
    summary="Chart: a metric per channel over time",
)
async def overview_chart(
    fmt: ImageFormat,
    caller: Reader,
    session: DbSession,
    start: From = None,
    end: To = None,
    interval: Literal["day", "week"] = "day",
    metric: Annotated[str, Query(pattern="^(" + "|".join(charts.CHART_METRICS) + ")$")] = "reads",
) -> Response:
    span = overview_service.period(start, end)
    report = await overview_service.overview(session, caller.workspace_id, span, interval)
    return await _draw(lambda: charts.overview_chart(report, metric, fmt), fmt)


@router.get(
    "/charts/posts/{post_id}.{fmt}",
    responses=IMAGE | problem_responses(401, 403, 404, 422),
    response_class=Response,
    summary="Chart: a post's reads curve against its benchmark band",
)
async def post_chart(
    post_id: str,
    fmt: ImageFormat,
    caller: Reader,
    session: DbSession,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    report = await posts.post_report(session, caller.workspace_id, post_id, "reads")
    if not report.channels:
        raise NotFound(f"Post {post_id} has no channel yet.")
    index = 0
    if channel_id:
        matches = [i for i, c in enumerate(report.channels) if c.channel_id == channel_id]
        if not matches:
            raise NotFound(f"Post {post_id} was not published to channel {channel_id}.")
        index = matches[0]
    else:  # the main channel: the most reads
        index = max(
            range(len(report.channels)), key=lambda i: report.channels[i].totals.get("reads", 0)
        )
    chosen = report.channels[index].channel_id
    series = await session.scalar(
        select(Series).where(
            Series.workspace_id == caller.workspace_id,
            Series.post_id == post_id,
            Series.channel_id == chosen,
            Series.metric == "reads",
        )
    )
    peers = await band(session, caller.workspace_id, series) if series else []
    return await _draw(lambda: charts.post_chart(report, index, peers, fmt), fmt)


@router.get(
    "/charts/channels.{fmt}",
    responses=IMAGE | problem_responses(401, 403, 422),
    response_class=Response,
    summary="Chart: channels side by side",
)
async def channels_chart(
    fmt: ImageFormat, caller: Reader, session: DbSession, start: From = None, end: To = None
) -> Response:
    report = await overview_service.channels_report(
        session, caller.workspace_id, overview_service.period(start, end)
    )
    return await _draw(lambda: charts.channels_chart(report, fmt), fmt)
