"""The posts endpoints: HTTP in, a call of `posts.service` / `review` / `publishing`, HTTP
out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from servicekit.pagination import Cursor, Limit, Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from content_svc.access import CALLER_PROBLEMS, Owner, Reader, Reviewer, Writer
from content_svc.posts import publishing, review, service
from content_svc.posts.schemas import (
    ApprovalRequest,
    ChangesRequested,
    PostCreate,
    PostFilter,
    PostRead,
    PostSummary,
    PostUpdate,
    PublishRequest,
    RestoreRequest,
    ReviewComment,
    ReviewSettingsRead,
    ReviewSettingsUpdate,
    RevisionRead,
    TransitionRead,
)
from content_svc.queue import service as queue
from content_svc.runtime import BestTimes, ChannelService, MediaLibrary

router = APIRouter(prefix="/posts", tags=["posts"], responses=CALLER_PROBLEMS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PostRead,
    responses=problem_responses(403, 413, 422),
    summary="Write a draft",
)
async def create_post(
    body: PostCreate, caller: Writer, session: DbSession, library: MediaLibrary
) -> PostRead:
    post = await service.create_post(session, caller, body)
    return await service.post_read(session, library, post)


@router.get(
    "",
    response_model=Page[PostSummary],
    responses=problem_responses(422),
    summary="List the workspace's posts, newest first or best performing first",
)
async def list_posts(
    caller: Reader,
    session: DbSession,
    *,
    limit: Limit = 20,
    cursor: Cursor = None,
    filters: Annotated[PostFilter, Query()],
) -> Page[PostSummary]:
    posts, next_cursor = await service.list_posts(
        session, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=[PostSummary.model_validate(post) for post in posts], next_cursor=next_cursor)


@router.get(
    "/settings",
    response_model=ReviewSettingsRead,
    summary="The workspace's review rules and time zone",
)
async def get_review_settings(caller: Reader, session: DbSession) -> ReviewSettingsRead:
    return ReviewSettingsRead.model_validate(
        await review.review_settings(session, caller.workspace_id)
    )


@router.patch(
    "/settings",
    response_model=ReviewSettingsRead,
    responses=problem_responses(403, 422),
    summary="Change the workspace's review rules or time zone (owners)",
)
async def change_review_settings(
    body: ReviewSettingsUpdate, caller: Owner, session: DbSession
) -> ReviewSettingsRead:
    return ReviewSettingsRead.model_validate(
        await review.change_review_settings(session, caller, body)
    )


@router.get(
    "/{post_id}",
    response_model=PostRead,
    responses=problem_responses(404),
    summary="A post with where it was published and how it performs",
)
async def get_post(
    post_id: str, caller: Reader, session: DbSession, library: MediaLibrary
) -> PostRead:
    return await service.post_read(
        session, library, await service.get_post(session, caller, post_id)
    )


@router.patch(
    "/{post_id}",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 413, 422),
    summary="Edit a post, from the version the edit started at",
    operation_id="posts-update",
)
async def edit_post(
    post_id: str, body: PostUpdate, caller: Writer, session: DbSession, library: MediaLibrary
) -> PostRead:
    post = await service.edit_post(session, caller, post_id, body)
    return await service.post_read(session, library, post)


@router.get(
    "/{post_id}/revisions",
    response_model=Page[RevisionRead],
    responses=problem_responses(404, 422),
    summary="Every version of the post, newest first",
)
async def list_revisions(
    post_id: str, caller: Reader, session: DbSession, paging: Paging
) -> Page[RevisionRead]:
    rows, next_cursor = await service.list_revisions(session, caller, post_id, paging)
    return Page(items=[RevisionRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/{post_id}/revisions/{revision}/restore",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 413, 422),
    summary="Make an earlier version the newest one",
)
async def restore_revision(
    post_id: str,
    revision: int,
    body: RestoreRequest,
    caller: Writer,
    session: DbSession,
    library: MediaLibrary,
) -> PostRead:
    post = await service.restore_revision(session, caller, post_id, revision, body.version)
    return await service.post_read(session, library, post)


@router.get(
    "/{post_id}/history",
    response_model=Page[TransitionRead],
    responses=problem_responses(404, 422),
    summary="Every step of the post through review and publishing, oldest first",
)
async def list_history(
    post_id: str, caller: Reader, session: DbSession, paging: Paging
) -> Page[TransitionRead]:
    rows, next_cursor = await service.list_history(session, caller, post_id, paging)
    return Page(items=[TransitionRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/{post_id}/submit",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409),
    summary="Send a draft to review",
)
async def submit(
    post_id: str, caller: Writer, session: DbSession, library: MediaLibrary
) -> PostRead:
    post = await review.submit(session, caller, post_id)
    return await service.post_read(session, library, post)


@router.post(
    "/{post_id}/approve",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Approve the version of a post in review that the reviewer read (reviewers and "
    "owners; 409 when the post changed since)",
)
async def approve(
    post_id: str,
    body: ApprovalRequest,
    caller: Reviewer,
    session: DbSession,
    library: MediaLibrary,
) -> PostRead:
    post = await review.approve(session, caller, post_id, body.version, body.comment)
    return await service.post_read(session, library, post)


@router.post(
    "/{post_id}/request-changes",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Send a post back to its author with comments (reviewers and owners)",
)
async def request_changes(
    post_id: str,
    body: ChangesRequested,
    caller: Reviewer,
    session: DbSession,
    library: MediaLibrary,
) -> PostRead:
    post = await review.request_changes(session, caller, post_id, body.comment)
    return await service.post_read(session, library, post)


@router.post(
    "/{post_id}/archive",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 422),
    summary="Archive a post",
)
async def archive(
    post_id: str,
    caller: Writer,
    session: DbSession,
    library: MediaLibrary,
    body: ReviewComment | None = None,
) -> PostRead:
    comment = body.comment if body else None
    return await service.post_read(
        session, library, await review.archive(session, caller, post_id, comment)
    )


@router.post(
    "/{post_id}/publish",
    response_model=PostRead,
    responses=problem_responses(403, 404, 409, 413, 422, 503),
    summary="Publish a post to channels of the workspace, now, at `scheduled_at` or at its "
    "channels' next free queue slot (`queue`)",
)
async def publish_post(
    post_id: str,
    body: PublishRequest,
    caller: Writer,
    session: DbSession,
    channels: ChannelService,
    best_times: BestTimes,
    library: MediaLibrary,
) -> PostRead:
    if body.queue:
        queued = await queue.queue_post(
            session,
            caller,
            post_id,
            body.channel_ids,
            channels,
            best_times,
            library=library,
            options=body.channel_options,
        )
        return await service.post_read(session, library, queued)
    post = await publishing.publish_post(
        session,
        caller,
        post_id,
        body.channel_ids,
        channels,
        library=library,
        scheduled_at=body.scheduled_at,
        options=body.channel_options,
    )
    return await service.post_read(session, library, post)
