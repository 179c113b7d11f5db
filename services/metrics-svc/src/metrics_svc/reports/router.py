from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from metrics_svc.access import Reader
from metrics_svc.kit.downloads import Format, csv_response, report_or_csv
from metrics_svc.reports import charts, export, service
from metrics_svc.reports.queries import (
    BestTimesQuery,
    ChannelId,
    ChannelsQuery,
    ContentInsightsQuery,
    From,
    Metric,
    OverviewChartQuery,
    OverviewQuery,
    Period,
    To,
)
from metrics_svc.reports.schemas import (
    BestTimes,
    ChannelsReport,
    ContentInsights,
    Overview,
    PostReport,
    TopPost,
)

router = APIRouter(prefix="/reports", tags=["reports"])

ImageFormat = Literal["svg", "png"]

IMAGE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}, "image/png": {}}}}


def _image(content: bytes, fmt: str) -> Response:
    return Response(content, media_type=charts.MEDIA_TYPES[fmt])


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
    report = await service.post_report(session, caller.workspace_id, post_id, metric)
    return report_or_csv(report, format, f"post-{post_id}", export.post_rows)


@router.get(
    "/overview",
    response_model=Overview,
    responses=problem_responses(401, 403, 422),
    summary="Reads, engagement and followers per channel, by day or week",
)
async def overview(
    caller: Reader, session: DbSession, query: Annotated[OverviewQuery, Query()]
) -> Overview | Response:
    report = await service.overview_report(
        session, caller.workspace_id, query.start, query.end, query.interval, query.channel_id
    )
    return report_or_csv(report, query.format, "overview", export.overview_rows)


@router.get(
    "/channels",
    response_model=ChannelsReport,
    responses=problem_responses(401, 403, 422),
    summary="Channels side by side over a period",
)
async def channels(
    caller: Reader, session: DbSession, query: Annotated[ChannelsQuery, Query()]
) -> ChannelsReport | Response:
    report = await service.channels_report(session, caller.workspace_id, query.start, query.end)
    return report_or_csv(report, query.format, "channels", export.channels_rows)


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
    channel_id: ChannelId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    format: Format = "json",
) -> Page[TopPost] | Response:
    items, next_cursor = await service.top_posts(
        session,
        caller.workspace_id,
        metric=metric,
        start=start,
        end=end,
        channel_id=channel_id,
        limit=limit,
        cursor=cursor,
    )
    if format == "csv":
        return csv_response("top-posts", export.top_rows(items))
    return Page[TopPost](items=items, next_cursor=next_cursor)


@router.get(
    "/best-times",
    response_model=BestTimes,
    responses=problem_responses(401, 403, 422),
    summary="The hours of the week whose posts do best, per channel",
)
async def best_times(
    caller: Reader, session: DbSession, query: Annotated[BestTimesQuery, Query()]
) -> BestTimes | Response:
    basis = query.age_basis()
    report = await service.best_times(session, caller.workspace_id, basis, query.channel_id)
    return report_or_csv(report, query.format, "best-times", export.best_rows)


@router.get(
    "/content-insights",
    response_model=ContentInsights,
    responses=problem_responses(401, 403, 422),
    summary="What content works: by tag, keyword, title length, weekday and hour, platform",
)
async def content_insights(
    caller: Reader, session: DbSession, query: Annotated[ContentInsightsQuery, Query()]
) -> ContentInsights | Response:
    basis = query.age_basis()
    report = await service.content_insights(session, caller.workspace_id, basis, query.min_posts)
    return report_or_csv(report, query.format, "content-insights", export.insight_rows)


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
    query: Annotated[OverviewChartQuery, Query()],
) -> Response:
    chart = await service.overview_chart(
        session, caller.workspace_id, query.start, query.end, query.interval, query.metric, fmt
    )
    return _image(chart, fmt)


@router.get(
    "/charts/posts/{post_id}.{fmt}",
    responses=IMAGE | problem_responses(401, 403, 404, 422),
    response_class=Response,
    summary="Chart: a post's reads curve against its benchmark band",
)
async def post_chart(
    post_id: str, fmt: ImageFormat, caller: Reader, session: DbSession, channel_id: ChannelId = None
) -> Response:
    chart = await service.post_chart(session, caller.workspace_id, post_id, channel_id, fmt)
    return _image(chart, fmt)


@router.get(
    "/charts/channels.{fmt}",
    responses=IMAGE | problem_responses(401, 403, 422),
    response_class=Response,
    summary="Chart: channels side by side",
)
async def channels_chart(
    fmt: ImageFormat, caller: Reader, session: DbSession, period: Annotated[Period, Query()]
) -> Response:
    chart = await service.channels_chart(
        session, caller.workspace_id, period.start, period.end, fmt
    )
    return _image(chart, fmt)
