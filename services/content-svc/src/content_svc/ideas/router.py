"""The ideas endpoints: the backlog, its filters, and starting a post from an idea."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from servicekit.pagination import Cursor, Limit
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Reader, Writer
from content_svc.ideas import service
from content_svc.ideas.schemas import (
    IdeaCreate,
    IdeaFilter,
    IdeaRead,
    IdeaUpdate,
    StartPost,
)
from content_svc.posts.schemas import PostRead

router = APIRouter(prefix="/ideas", tags=["ideas"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IdeaRead,
    responses=problem_responses(403, 422),
    summary="Note an idea by hand",
)
async def create_idea(body: IdeaCreate, caller: Writer, session: DbSession) -> IdeaRead:
    return IdeaRead.model_validate(await service.create_idea(session, caller, body))


@router.get(
    "",
    response_model=Page[IdeaRead],
    responses=problem_responses(422),
    summary="The idea backlog, newest first, filtered",
)
async def list_ideas(
    caller: Reader,
    session: DbSession,
    filters: Annotated[IdeaFilter, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[IdeaRead]:
    rows, next_cursor = await service.list_ideas(
        session, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=[IdeaRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{idea_id}",
    response_model=IdeaRead,
    responses=problem_responses(404),
    summary="One idea",
)
async def get_idea(idea_id: str, caller: Reader, session: DbSession) -> IdeaRead:
    return IdeaRead.model_validate(await service.get_idea(session, caller, idea_id))


@router.patch(
    "/{idea_id}",
    response_model=IdeaRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Shortlist, discard, tag or annotate an idea",
)
async def update_idea(
    idea_id: str, body: IdeaUpdate, caller: Writer, session: DbSession
) -> IdeaRead:
    return IdeaRead.model_validate(await service.update_idea(session, caller, idea_id, body))


@router.post(
    "/{idea_id}/post",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Start a draft from the idea (the idea is marked used and linked to it)",
)
async def start_post(
    idea_id: str, caller: Writer, session: DbSession, body: StartPost | None = None
) -> PostRead:
    post = await service.start_post(session, caller, idea_id, body or StartPost())
    return PostRead.model_validate(post)
