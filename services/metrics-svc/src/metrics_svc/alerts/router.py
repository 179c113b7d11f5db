from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from metrics_svc.access import CALLER_PROBLEMS, Reader
from metrics_svc.alerts import export, service
from metrics_svc.alerts.schemas import Alert
from metrics_svc.kit.downloads import csv_response

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=CALLER_PROBLEMS)


@router.get(
    "",
    response_model=Page[Alert],
    responses=problem_responses(403, 422),
    summary="Underperforming and stalled posts, follower drops, campaigns behind their "
    "goal curve and posts whose comments turn negative, newest first",
)
async def list_alerts(
    caller: Reader,
    session: DbSession,
    kind: Annotated[
        str | None,
        Query(pattern="^(underperforming|stalled|follower_drop|campaign_behind|negative_spike)$"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Page[Alert] | Response:
    found = await service.alerts(session, caller.workspace_id, kind)
    if format == "csv":
        return csv_response("alerts", export.alert_rows(found))
    items, next_cursor = service.page(found, limit, cursor)
    return Page[Alert](items=items, next_cursor=next_cursor)
