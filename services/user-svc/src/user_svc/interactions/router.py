"""The interactions endpoints: collectors push, operators read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from user_svc.access import Collector, Reader
from user_svc.interactions import service
from user_svc.interactions.schemas import (
    BatchItemResult,
    BatchResult,
    InteractionBatch,
    InteractionCreate,
    InteractionFilter,
    InteractionRead,
)
from user_svc.kit.paging import Paging

router = APIRouter(prefix="/interactions", tags=["interactions"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Already stored (same platform id): the stored interaction"},
        **problem_responses(401, 403, 409, 422),
    },
    summary="Record one interaction (201; 200 when its platform id was seen before)",
)
async def record_interaction(
    body: InteractionCreate, caller: Collector, session: DbSession, response: Response
) -> InteractionRead:
    result = await service.ingest(session, caller.workspace_id, [body])
    outcome = result.outcomes[0]
    if not outcome.stored:
        response.status_code = status.HTTP_200_OK
    return InteractionRead.model_validate(outcome.interaction)


@router.post(
    "/batch",
    responses=problem_responses(401, 403, 409, 422),
    summary="Record up to 1,000 interactions at once; ones seen before are skipped",
)
async def record_batch(
    body: InteractionBatch, caller: Collector, session: DbSession
) -> BatchResult:
    result = await service.ingest(session, caller.workspace_id, body.items, prefix="items.")
    items = [
        BatchItemResult(
            index=o.index,
            interaction_id=o.interaction.id,
            member_id=o.interaction.member_id,
            status="stored" if o.stored else "duplicate",
        )
        for o in result.outcomes
    ]
    stored = sum(1 for o in result.outcomes if o.stored)
    return BatchResult(
        received=len(body.items),
        stored=stored,
        duplicates=len(body.items) - stored,
        members_created=result.members_created,
        items=items,
    )


@router.get(
    "",
    responses=problem_responses(401, 403, 422),
    summary="Interactions, newest first, by member, kind, platform, post, question or sentiment",
)
async def list_interactions(
    caller: Reader,
    session: DbSession,
    filters: Annotated[InteractionFilter, Depends()],
    paging: Paging,
) -> Page[InteractionRead]:
    rows, next_cursor = await service.list_interactions(
        session, caller.workspace_id, filters, cursor=paging.cursor, limit=paging.limit
    )
    return Page[InteractionRead](
        items=[InteractionRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get(
    "/{interaction_id}", responses=problem_responses(401, 403, 404), summary="An interaction"
)
async def get_interaction(
    interaction_id: str, caller: Reader, session: DbSession
) -> InteractionRead:
    return InteractionRead.model_validate(
        await service.get_interaction(session, caller.workspace_id, interaction_id)
    )
