"""The SQL of the posts domain; every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.models import Post, PostChannel


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
) -> Sequence[Post]:
    """Up to `limit` posts, newest first, strictly after the position `before` if given."""
    query = select(Post).where(Post.workspace_id == workspace_id)
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
