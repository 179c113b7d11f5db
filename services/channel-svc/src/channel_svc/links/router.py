"""Operators' view of the tracked links, with their click counts; and the public short
links `GET /l/{code}` (no token; mounted at the root, not under /api/v1), where the
redirect answers first and the click is queued and written afterwards."""

from __future__ import annotations

import re
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import Reader
from channel_svc.links import service
from channel_svc.links.pages import NO_STORE, gone, not_found, unavailable
from channel_svc.links.schemas import LinkRead
from channel_svc.runtime import Runtime

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/links", tags=["links"])
public_router = APIRouter(prefix="/l", tags=["links"])

_CODE = re.compile(service.CODE_PATTERN)


@router.get("", responses=problem_responses(401, 422), summary="List tracked links, newest first")
async def list_links(
    *,
    caller: Reader,
    session: DbSession,
    runtime: Runtime,
    post_id: Annotated[str | None, Query(max_length=64)] = None,
    campaign_id: Annotated[str | None, Query(max_length=64)] = None,
    channel_id: Annotated[str | None, Query(max_length=64)] = None,
    paging: Paging,
) -> Page[LinkRead]:
    rows, next_cursor = await service.list_links(
        session,
        workspace_id=caller.workspace_id,
        post_id=post_id,
        campaign_id=campaign_id,
        channel_id=channel_id,
        paging=paging,
    )
    items = [LinkRead.of(link, clicks, runtime.tracking) for link, clicks in rows]
    return Page[LinkRead](items=items, next_cursor=next_cursor)


@router.get("/{code}", responses=problem_responses(401, 404), summary="Get a tracked link")
async def get_link(code: str, caller: Reader, session: DbSession, runtime: Runtime) -> LinkRead:
    link, clicks = await service.get_link(session, workspace_id=caller.workspace_id, code=code)
    return LinkRead.of(link, clicks, runtime.tracking)


@public_router.get(
    "/{code}",
    response_class=Response,
    responses={
        302: {"description": "To the link's target, with UTM parameters added."},
        404: {"description": "No such link (an HTML page).", "content": {"text/html": {}}},
        410: {
            "description": "The link's campaign was deleted (an HTML page).",
            "content": {"text/html": {}},
        },
    },
    status_code=302,
    summary="Follow a tracked link (public): redirect and count the click",
)
async def follow(code: str, request: Request, runtime: Runtime) -> Response:
    if not _CODE.match(code):
        return not_found()
    found, destination = runtime.link_cache.get(code)
    if not found:
        # Not `DbSession`: a code in the cache opens no transaction, and a database that
        # is away gets the reader a page, not a problem document.
        try:
            async with runtime.db.transaction() as session:
                destination = await service.resolve(session, code)
        except Exception:
            log.exception("resolving a tracked link failed", code=code)
            return unavailable()
        runtime.link_cache.put(code, destination)
    if destination is None:
        return not_found()
    if destination.gone:
        return gone()
    if request.method == "GET":  # a HEAD (link preview, checker) is not a click
        runtime.clicks.record(destination)
    return RedirectResponse(destination.location, status_code=302, headers=NO_STORE)


# Link previews ask with HEAD: the same answer, kept out of the document (one operation).
public_router.add_api_route(
    "/{code}", follow, methods=["HEAD"], response_class=Response, include_in_schema=False
)
