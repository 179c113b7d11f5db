from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from servicekit.auth import ANY_ROLE, Caller, require_access
from servicekit.problems import Invalid, problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from metrics_svc.alerts import service
from metrics_svc.kit import decode_cursor, encode_cursor
from metrics_svc.reports import export
from metrics_svc.reports.schemas import Alert

router = APIRouter(prefix="/alerts", tags=["alerts"])

Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="stats:read"))]


@router.get(
    "",
    response_model=Page[Alert],
    responses=problem_responses(401, 403, 422),
    summary="Underperforming and stalled posts, follower drops and campaigns behind their "
    "goal curve, newest first",
)
async def list_alerts(
    caller: Reader,
    session: DbSession,
    kind: Annotated[
        str | None, Query(pattern="^(underperforming|stalled|follower_drop|campaign_behind)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Page[Alert] | Response:
    found = await service.alerts(session, caller.workspace_id)
    if kind:
        found = [a for a in found if a.kind == kind]
    if format == "csv":
        return export.csv_response("alerts", export.alert_rows(found))
    offset = 0
    if cursor:
        try:
            offset = int(decode_cursor(cursor)["o"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid.field("cursor", "not a cursor from a previous page") from exc
    page = found[offset : offset + limit]
    more = offset + limit < len(found)
    return Page[Alert](
        items=page, next_cursor=encode_cursor({"o": offset + limit}) if more else None
    )
