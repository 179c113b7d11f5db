"""The calendar endpoint: HTTP in, a call of `calendar.service`, HTTP out."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader
from content_svc.calendar import service
from content_svc.calendar.schemas import CalendarRead

router = APIRouter(prefix="/calendar", tags=["calendar"], responses=CALLER_PROBLEMS)


@router.get(
    "",
    response_model=CalendarRead,
    responses=problem_responses(422),
    summary="Scheduled and published posts and running campaigns, day by day in the "
    "workspace time zone (at most 92 days)",
)
async def get_calendar(
    caller: Reader,
    session: DbSession,
    first_day: Annotated[
        date, Query(alias="from", description="The first local day.", examples=["2026-12-01"])
    ],
    last_day: Annotated[
        date,
        Query(alias="to", description="The last local day (included).", examples=["2026-12-31"]),
    ],
    channel_id: Annotated[str | None, Query(description="Only this channel's posts.")] = None,
    campaign_id: Annotated[str | None, Query(description="Only this campaign.")] = None,
) -> CalendarRead:
    return await service.calendar(
        session, caller, first_day, last_day, channel_id=channel_id, campaign_id=campaign_id
    )
