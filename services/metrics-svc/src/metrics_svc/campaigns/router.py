from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from metrics_svc.access import CALLER_PROBLEMS, Reader
from metrics_svc.campaigns import export, service
from metrics_svc.campaigns.schemas import CampaignComparison, CampaignReport
from metrics_svc.kit.downloads import Format, report_or_csv

router = APIRouter(prefix="/reports/campaigns", tags=["reports"], responses=CALLER_PROBLEMS)

Objective = Literal["awareness", "followers", "engagement", "conversions"]


@router.get(
    "",
    response_model=CampaignComparison,
    responses=problem_responses(403, 404, 422),
    summary="Campaigns side by side: figures, goals reached and costs",
    operation_id="reports-compare-campaigns",
    description="Filter by objective, tags (any of them), status, the period they ran in, "
    "or `similar_to` a campaign (same objective, a tag in common) to cite past campaigns "
    "in a proposal.",
)
async def compare(
    caller: Reader,
    session: DbSession,
    objective: Objective | None = None,
    tag: Annotated[list[str] | None, Query(max_length=20)] = None,
    status: Literal["planned", "running", "finished"] | None = None,
    similar_to: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[date | None, Query(alias="from", description="Ran on or after")] = None,
    end: Annotated[date | None, Query(alias="to", description="Ran on or before")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    format: Format = "json",
) -> CampaignComparison | Response:
    report = await service.compare(
        session,
        caller.workspace_id,
        objective=objective,
        tags=tag or [],
        status=status,
        similar_to=similar_to,
        start=start,
        end=end,
        limit=limit,
    )
    return report_or_csv(report, format, "campaigns", export.comparison_rows)


@router.get(
    "/{campaign_id}",
    response_model=CampaignReport,
    responses=problem_responses(403, 404, 422),
    summary="A campaign's progress against each goal, projection, channels, posts and costs",
)
async def campaign_report(
    campaign_id: str, caller: Reader, session: DbSession, format: Format = "json"
) -> CampaignReport | Response:
    report = await service.campaign_report(session, caller.workspace_id, campaign_id)
    return report_or_csv(report, format, f"campaign-{campaign_id}", export.report_rows)
