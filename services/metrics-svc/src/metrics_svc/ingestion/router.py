from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from servicekit.csv_upload import CSV_REQUEST_BODY, upload_chunks
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from metrics_svc.access import CALLER_PROBLEMS, Writer
from metrics_svc.ingestion import service
from metrics_svc.ingestion.schemas import ImportReport, StatBatchCreate, StatBatchRead
from metrics_svc.kit.dates import time_zone
from metrics_svc.runtime import Runtime

ALREADY_STORED: dict[int | str, dict[str, Any]] = {
    200: {"model": StatBatchRead, "description": "Every point was already stored"}
}
router = APIRouter(prefix="/stats", tags=["stats"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=StatBatchRead,
    responses=ALREADY_STORED | problem_responses(403, 422),
    summary="Ingest a batch of figures (up to 10,000 points), all or nothing",
    description=(
        "Each point names a post (`post_id`, or `channel_id` + `external_id`, the platform's "
        "id of the copy) or a channel alone (account figures). To import the figures of posts "
        "published before the workspace used Mediaops, name them by `channel_id` + "
        "`external_id` with `published_at` (and `title`, `url`): the first such point records "
        "the post (listed in `posts_recorded`), and it counts in reports and benchmarks like "
        "any other. Importing the same history again records nothing new."
    ),
)
async def ingest(
    body: StatBatchCreate, caller: Writer, session: DbSession, response: Response
) -> StatBatchRead:
    batch = await service.ingest(session, caller.workspace_id, body)
    if not batch.batch_id:
        response.status_code = status.HTTP_200_OK
    return batch


@router.post(
    "/import",
    response_model=ImportReport,
    responses=problem_responses(403, 413, 422),
    summary="Import figures from a CSV file (UTF-8, UTF-8 with BOM or GB18030)",
    description=(
        "Send the file as the request body (`Content-Type: text/csv`) or as the form field "
        "`file` of a `multipart/form-data` upload. With `dry_run=true`, "
        "every bad row is reported with its line number and nothing is stored; otherwise "
        "the file is stored whole or, if any row is bad, not at all (422 listing them). "
        "Columns: `observed_at` (or `date`, `日期`), `post_id` or `channel_id` + "
        "`external_id`, then either `metric` + `value` or one column per metric. Earlier "
        "posts (history) add `published_at` (or `发布时间`; a date alone is the start of "
        "that day), and optionally `title` (`标题`) and `url` (`链接`): a row naming an "
        "unknown copy with its publication time records that post, as `POST /stats` does."
    ),
    openapi_extra=CSV_REQUEST_BODY,
)
async def import_csv(
    request: Request,
    caller: Writer,
    session: DbSession,
    runtime: Runtime,
    dry_run: bool = False,
    timezone: Annotated[
        str, Query(max_length=64, description="Zone of times written without an offset.")
    ] = "UTC",
    source: Annotated[str, Query(max_length=64)] = "csv",
    platform: Annotated[
        str | None, Query(max_length=32, description="Vocabulary of the metric names.")
    ] = None,
) -> ImportReport:
    zone = time_zone(timezone)
    return await service.import_csv(
        session,
        caller.workspace_id,
        await upload_chunks(request),
        dry_run=dry_run,
        zone=zone,
        source=source,
        platform=platform,
        max_bytes=runtime.settings.import_max_bytes,
        max_rows=runtime.settings.import_max_rows,
    )
