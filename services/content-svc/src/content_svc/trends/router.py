"""`GET /trends`: today's rising topics in the watched feeds, and which peers cover them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader
from content_svc.trends import service
from content_svc.trends.schemas import TrendsRead

router = APIRouter(prefix="/trends", tags=["trends"], responses=CALLER_PROBLEMS)


@router.get(
    "",
    response_model=TrendsRead,
    responses=problem_responses(422),
    summary="Keywords rising in recent entries against the window before",
)
async def trends(
    caller: Reader,
    session: DbSession,
    window: Annotated[str, Query(max_length=10, description="e.g. 24h or 7d")] = "24h",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    min_count: Annotated[int, Query(ge=1, le=1000)] = 2,
) -> TrendsRead:
    return await service.rising_keywords(
        session, caller, window=window, limit=limit, min_count=min_count
    )
