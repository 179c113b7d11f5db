"""The SQL of the posts domain; every query is scoped to one workspace (the scheduler's
claim of due posts is the one cross-workspace query, and it only touches scheduled rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.models import (
    KnownChannel,
    Post,
    PostChannel,
    PostRevision,
    PostStatus,
    PostTransition,
)


async def get_post(
    session: AsyncSession, workspace_id: str, post_id: str, *, for_update: bool = False
) -> Post | None:
    query = (
        select(Post)
        .where(Post.workspace_id == workspace_id, Post.id == post_id)
        .options(selectinload(Post.channels))
    )
    if for_update:
        query = query.with_for_update(of=Post)
    return (await session.scalars(query)).one_or_none()


async def list_posts(
    session: AsyncSession,
    workspace_id: str,
    *,
    limit: int,
    before: tuple[datetime, str] | None = None,
    status: str | None = None,
) -> Sequence[Post]:
    """Up to `limit` posts, newest first, strictly after the position `before` if given."""
    query = select(Post).where(Post.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Post.status == status)
    if before is not None:
        created_at, post_id = before
        query = query.where(
            or_(
                Post.created_at < created_at,
                and_(Post.created_at == created_at, Post.id < post_id),
            )
        )
    query = (
        query.order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
        .options(selectinload(Post.channels))
    )
    return (await session.scalars(query)).all()


async def list_posts_by_performance(
    session: AsyncSession,
    workspace_id: str,
    *,
    limit: int,
    after: tuple[int, str] | None = None,
    status: str | None = None,
) -> Sequence[Post]:
    """Up to `limit` posts, best performance first, strictly after `after` if given."""
    query = select(Post).where(Post.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Post.status == status)
    if after is not None:
        rank, post_id = after
        query = query.where(
            or_(Post.perf_rank < rank, and_(Post.perf_rank == rank, Post.id < post_id))
        )
    query = (
        query.order_by(Post.perf_rank.desc(), Post.id.desc())
        .limit(limit)
        .options(selectinload(Post.channels))
    )
    return (await session.scalars(query)).all()


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


async def list_revisions(session: AsyncSession, post_id: str) -> Sequence[PostRevision]:
    query = (
        select(PostRevision)
        .where(PostRevision.post_id == post_id)
        .order_by(PostRevision.version.desc())
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


async def list_transitions(session: AsyncSession, post_id: str) -> Sequence[PostTransition]:
    query = (
        select(PostTransition)
        .where(PostTransition.post_id == post_id)
        .order_by(PostTransition.at, PostTransition.id)
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
        .options(selectinload(Post.channels))
    )
    return (await session.scalars(query)).all()


async def known_platforms(
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str]
) -> dict[str, str | None]:
    rows = await session.scalars(
        select(KnownChannel).where(
            KnownChannel.workspace_id == workspace_id, KnownChannel.channel_id.in_(channel_ids)
        )
    )
    return {row.channel_id: row.platform for row in rows}


async def earlier_posts(
    session: AsyncSession, workspace_id: str, post_id: str, created_before: datetime, limit: int
) -> Sequence[tuple[str, str, str]]:
    """(id, title, body) of the workspace's posts written before, newest first."""
    query = (
        select(Post.id, Post.title, Post.body_markdown)
        .where(
            Post.workspace_id == workspace_id,
            Post.id != post_id,
            Post.created_at <= created_before,
        )
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(query)).all()]
