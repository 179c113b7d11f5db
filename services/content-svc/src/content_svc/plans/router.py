"""The content-plan endpoints: a CSV of planned posts in, the posts out as CSV.

Included before the posts router, so that `/posts/export` is not taken for a post's id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from servicekit.csv_upload import CSV_REQUEST_BODY, upload_chunks
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.plans import export, service
from content_svc.plans.schemas import ExportFilter, PlanImportReport
from content_svc.runtime import ChannelService, Runtime

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.post(
    "/import",
    response_model=PlanImportReport,
    responses=problem_responses(403, 413, 422),
    summary="Import a content plan from a CSV file (UTF-8, UTF-8 with BOM or GB18030)",
    description=(
        "Send the file as the request body (`Content-Type: text/csv`) or as the form field "
        "`file` of a `multipart/form-data` upload. Columns: `title` (标题, required), `body` "
        "(正文, Markdown), `channels` (渠道: channel names or ids, `;`-separated), `time` "
        "(时间: `YYYY-MM-DD HH:MM`, in the report's `time_zone` unless it has an offset; "
        "channels and time go together), `tags` (标签, `;`-separated), `campaign` (活动: a "
        "name or an id). With `dry_run=true` the answer lists what each good line would "
        "create and every bad line (line, column, reason), and nothing is created. "
        "Otherwise every post is created, or none: any bad line is a 422 listing them. A "
        "planned line is scheduled when the caller may publish without review, else it "
        "is a draft keeping its planned time and channels."
    ),
    openapi_extra=CSV_REQUEST_BODY,
)
async def import_plan(
    request: Request,
    caller: Writer,
    session: DbSession,
    runtime: Runtime,
    channels: ChannelService,
    dry_run: bool = False,
) -> PlanImportReport:
    return await service.import_plan(
        session,
        caller,
        await upload_chunks(request),
        channels,
        library=runtime.media,
        dry_run=dry_run,
        max_bytes=runtime.settings.plan_import_max_bytes,
        max_rows=runtime.settings.plan_import_max_rows,
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(422),
    },
    summary="The workspace's posts as a CSV file, with their states, channels and figures",
    description=(
        "One row per post and channel (a post on no channel has one row): the post's "
        "status, the channel's delivery status and URL, and the post's latest figures. "
        "Filters: `status`, `campaign_id`, `channel_id`, `created_after`, `created_before`."
    ),
)
async def export_posts(
    caller: Reader,
    session: DbSession,
    runtime: Runtime,
    filters: Annotated[ExportFilter, Query()],
) -> Response:
    content = await export.export_posts(
        session, caller, filters, max_posts=runtime.settings.posts_export_max_posts
    )
    return Response(
        content,
        media_type=f"text/csv; charset={filters.encoding}",
        headers={"Content-Disposition": 'attachment; filename="posts.csv"'},
    )
