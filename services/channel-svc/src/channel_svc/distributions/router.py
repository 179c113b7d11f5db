from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from servicekit.auth import CurrentCaller
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.distributions import service
from channel_svc.distributions.schemas import DistributionOut
from channel_svc.models import DistributionStatus

router = APIRouter(prefix="/distributions", tags=["distributions"])


@router.get("", responses=problem_responses(401, 422), summary="List distributions, newest first")
async def list_distributions(
    caller: CurrentCaller,
    session: DbSession,
    post_id: Annotated[str | None, Query(max_length=64)] = None,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    status: DistributionStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[DistributionOut]:
    rows, next_cursor = await service.list_distributions(
        session,
        workspace_id=caller.workspace_id,
        post_id=post_id,
        channel_id=channel_id,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return Page[DistributionOut](
        items=[DistributionOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/{distribution_id}", responses=problem_responses(401, 404), summary="Get a distribution"
)
async def get_distribution(
    distribution_id: str, caller: CurrentCaller, session: DbSession
) -> DistributionOut:
    row = await service.get_distribution(
        session, workspace_id=caller.workspace_id, distribution_id=distribution_id
    )
    return DistributionOut.model_validate(row)
