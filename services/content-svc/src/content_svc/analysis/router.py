"""`GET /posts/{id}/analysis`: what to fix in a post, and where."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from content_svc.access import CALLER_PROBLEMS, Reader
from content_svc.analysis import service
from content_svc.analysis.schemas import AnalysisRead

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.get(
    "/{post_id}/analysis",
    response_model=AnalysisRead,
    responses=problem_responses(404, 422),
    summary="SEO and quality report: findings with severity and position, and a score",
)
async def analyse_post(
    post_id: str,
    caller: Reader,
    session: DbSession,
    platforms: Annotated[
        list[str] | None,
        Query(
            max_length=30,
            description="Platforms to check the title against; the post's channels by default",
        ),
    ] = None,
    channel_id: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Analyse the post as it goes to this channel (its variant there, if "
            "any) against the channel's platform",
        ),
    ] = None,
) -> AnalysisRead:
    analysis = await service.analyse_post(session, caller, post_id, platforms, channel_id)
    return AnalysisRead.model_validate(
        {
            **asdict(analysis.report),
            "post_id": analysis.post_id,
            "version": analysis.version,
            "platforms": analysis.platforms,
        }
    )
