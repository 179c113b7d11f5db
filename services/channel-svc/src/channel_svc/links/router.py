"""Operators' view of the tracked links, with their click counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import Reader
from channel_svc.links import service
from channel_svc.links.schemas import LinkOut
from channel_svc.runtime import Runtime

router = APIRouter(prefix="/links", tags=["links"])


@router.get("", responses=problem_responses(401, 422), summary="List tracked links, newest first")
async def list_links(
    caller: Reader,
    session: DbSession,
    runtime: Runtime,
    post_id: Annotated[str | None, Query(max_length=64)] = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[LinkOut]:
    rows, next_cursor = await service.list_links(
        session,
        workspace_id=caller.workspace_id,
        post_id=post_id,
        campaign_id=campaign_id,
        channel_id=channel_id,
        cursor=cursor,
        limit=limit,
    )
    return Page[LinkOut](
        items=[LinkOut.of(link, clicks, runtime.tracking) for link, clicks in rows],
        next_cursor=next_cursor,
    )


@router.get("/{code}", responses=problem_responses(401, 404), summary="Get a tracked link")
async def get_link(code: str, caller: Reader, session: DbSession, runtime: Runtime) -> LinkOut:
    link, clicks = await service.get_link(session, workspace_id=caller.workspace_id, code=code)
    return LinkOut.of(link, clicks, runtime.tracking)
