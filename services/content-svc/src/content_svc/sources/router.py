"""The sources endpoints: the feeds a workspace watches, and fetching one now."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.pagination import Cursor, Limit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.runtime import Runtime
from content_svc.sources import service
from content_svc.sources.schemas import FetchReport, SourceCreate, SourceRead, SourceUpdate

router = APIRouter(prefix="/sources", tags=["sources"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SourceRead,
    responses=problem_responses(403, 422),
    summary="Watch a feed (RSS or Atom)",
)
async def create_source(
    body: SourceCreate, caller: Writer, session: DbSession, runtime: Runtime
) -> SourceRead:
    source = await service.create_source(
        session, caller, body, allow_private=runtime.settings.shared.allow_private_urls
    )
    return SourceRead.model_validate(source)


@router.get(
    "",
    response_model=Page[SourceRead],
    responses=problem_responses(422),
    summary="The workspace's sources, newest first, with their last error",
)
async def list_sources(
    caller: Reader,
    session: DbSession,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SourceRead]:
    rows, next_cursor = await service.list_sources(session, caller, limit=limit, cursor=cursor)
    return Page(items=[SourceRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{source_id}",
    response_model=SourceRead,
    responses=problem_responses(404),
    summary="A source and how its last fetch went",
)
async def get_source(source_id: str, caller: Reader, session: DbSession) -> SourceRead:
    return SourceRead.model_validate(
        await service.get_source(session, caller.workspace_id, source_id)
    )


@router.patch(
    "/{source_id}",
    response_model=SourceRead,
    responses=problem_responses(403, 404, 422),
    summary="Change a source",
)
async def update_source(
    source_id: str,
    body: SourceUpdate,
    caller: Writer,
    session: DbSession,
    runtime: Runtime,
) -> SourceRead:
    source = await service.update_source(
        session, caller, source_id, body, allow_private=runtime.settings.shared.allow_private_urls
    )
    return SourceRead.model_validate(source)


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    summary="Stop watching a source (its ideas stay)",
)
async def delete_source(source_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_source(session, caller, source_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{source_id}/fetch",
    response_model=FetchReport,
    responses=problem_responses(403, 404),
    summary="Fetch a source now; says how many new ideas it made, or why it failed",
)
async def fetch_source(source_id: str, caller: Writer, runtime: Runtime) -> FetchReport:
    # No request transaction: the fetch must not hold one while it waits on the feed.
    outcome, source = await runtime.fetcher.fetch_and_reload(caller.workspace_id, source_id)
    return FetchReport(
        outcome=outcome.outcome,
        new_ideas=outcome.new_ideas,
        entries=outcome.entries,
        error=outcome.error,
        source=SourceRead.model_validate(source),
    )
