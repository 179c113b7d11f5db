"""The posts endpoints: HTTP in, a call of `posts.service`, HTTP out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from servicekit.auth import Caller, CurrentCaller, require_role
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.channels.dependencies import ChannelService
from content_svc.posts import service
from content_svc.posts.schemas import PostCreate, PostRead, PostSummary, PublishRequest

router = APIRouter(prefix="/posts", tags=["posts"])

Writer = Annotated[Caller, Depends(require_role("owner", "editor"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    responses=problem_responses(401, 403, 422),
    summary="Write a draft",
)
async def create_post(body: PostCreate, caller: Writer, session: DbSession) -> PostRead:
    post = await service.create_post(session, caller, body)
    return PostRead.model_validate(post)


@router.get(
    "",
    response_model=Page[PostSummary],
    responses=problem_responses(401, 422),
    summary="List the workspace's posts, newest first",
)
async def list_posts(
    caller: CurrentCaller,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Page[PostSummary]:
    posts, next_cursor = await service.list_posts(session, caller, limit=limit, cursor=cursor)
    return Page(items=[PostSummary.model_validate(post) for post in posts], next_cursor=next_cursor)


@router.get(
    "/{post_id}",
    response_model=PostRead,
    responses=problem_responses(401, 404),
    summary="A post with where it was published",
)
async def get_post(post_id: str, caller: CurrentCaller, session: DbSession) -> PostRead:
    return PostRead.model_validate(await service.get_post(session, caller, post_id))


@router.post(
    "/{post_id}/publish",
    response_model=PostRead,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
    summary="Publish a post to channels of the workspace",
)
async def publish_post(
    post_id: str,
    body: PublishRequest,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
) -> PostRead:
    post = await service.publish_post(session, caller, post_id, body.channel_ids, channels)
    return PostRead.model_validate(post)
