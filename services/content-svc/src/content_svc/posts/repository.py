"""The SQL of the posts domain; every query is scoped to one workspace (the scheduler's
claim of due posts is the one cross-workspace query, and it only touches scheduled rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.pagination import PageRequest, keyset
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.kit.ids import workspace_row
from content_svc.models import (
    Post,
    PostChannel,
    PostRevision,
    PostStatus,
    PostTransition,
)

# The orders of a post's own lists (a cursor of one is refused by the other).
REVISIONS = "version"
HISTORY = "at"


async def get_post(
    session: AsyncSession, workspace_id: str, post_id: str, *, for_update: bool = False
) -> Post | None:
    """The workspace's post `post_id` (any spelling of the UUID) with its channels."""
    return await workspace_row(
        session,
        Post,
        workspace_id,
        post_id,
        for_update=for_update,
        options=(selectinload(Post.channels), selectinload(Post.variants)),
    )


NEWEST = "created"
BEST = "performance"


async def list_posts(
    session: AsyncSession,
    workspace_id: str,
    *,
    limit: int,
    cursor: str | None,
    best_first: bool,
    status: str | None = None,
) -> Sequence[Post]:
    """Posts after `cursor`, newest first or best performing first (one more than `limit`)."""
    query = select(Post).where(Post.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Post.status == status)
    column = Post.perf_rank if best_first else Post.created_at
    sort = BEST if best_first else NEWEST
    query = keyset(
        query,
        sort=sort,
        column=column,
        row_id=Post.id,
        cursor=cursor,
        limit=limit,
    )
    loads = (selectinload(Post.channels), selectinload(Post.variants))
    return (await session.scalars(query.options(*loads))).all()


async def get_post_channel(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str
) -> PostChannel | None:
    query = (
        select(PostChannel)
        .where(
            PostChannel.workspace_id == workspace_id,
            PostChannel.post_id == post_id,
            PostChannel.channel_id == channel_id,
        )
        .with_for_update()
    )
    return (await session.scalars(query)).one_or_none()


async def revision_count(session: AsyncSession, post_id: str) -> int:
    count = await session.scalar(
        select(func.count()).select_from(PostRevision).where(PostRevision.post_id == post_id)
    )
    return int(count or 0)


async def list_revisions(
    session: AsyncSession, post_id: str, page: PageRequest
) -> Sequence[PostRevision]:
    """The post's revisions after `page.cursor`, newest first (one more than `page.limit`)."""
    query = keyset(
        select(PostRevision).where(PostRevision.post_id == post_id),
        sort=REVISIONS,
        column=PostRevision.version,
        row_id=PostRevision.id,
        cursor=page.cursor,
        limit=page.limit,
    )
    return (await session.scalars(query)).all()


async def editors_up_to(session: AsyncSession, post_id: str, version: int) -> set[str]:
    """Everyone who wrote a revision of the post up to `version`: the hands in its text."""
    query = select(PostRevision.editor_id).where(
        PostRevision.post_id == post_id, PostRevision.version <= version
    )
    return set((await session.scalars(query)).all())


async def get_revision(session: AsyncSession, post_id: str, version: int) -> PostRevision | None:
    query = select(PostRevision).where(
        PostRevision.post_id == post_id, PostRevision.version == version
    )
    return (await session.scalars(query)).one_or_none()


async def list_transitions(
    session: AsyncSession, post_id: str, page: PageRequest
) -> Sequence[PostTransition]:
    """The post's steps after `page.cursor`, oldest first (one more than `page.limit`)."""
    query = keyset(
        select(PostTransition).where(PostTransition.post_id == post_id),
        sort=HISTORY,
        column=PostTransition.at,
        row_id=PostTransition.id,
        cursor=page.cursor,
        limit=page.limit,
        descending=False,
    )
    return (await session.scalars(query)).all()


async def claim_due_posts(session: AsyncSession, now: datetime, *, limit: int) -> Sequence[Post]:
    """Scheduled posts whose time has come, locked; rows another worker holds are skipped."""
    query = (
        select(Post)
        .where(Post.status == PostStatus.SCHEDULED.value, Post.scheduled_at <= now)
        .order_by(Post.scheduled_at, Post.id)
        .limit(limit)
        .with_for_update(of=Post, skip_locked=True)
        .options(selectinload(Post.channels), selectinload(Post.variants))
    )
    return (await session.scalars(query)).all()
