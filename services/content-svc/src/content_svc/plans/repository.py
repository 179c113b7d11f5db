"""The queries of content plans: the names a plan may use, and the posts an export lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.models import Campaign, KnownChannel, Post, PostChannel


async def live_channels(session: AsyncSession, workspace_id: str) -> Sequence[KnownChannel]:
    query = select(KnownChannel).where(
        KnownChannel.workspace_id == workspace_id, KnownChannel.deleted.is_(False)
    )
    return (await session.scalars(query)).all()


async def all_channels(session: AsyncSession, workspace_id: str) -> Sequence[KnownChannel]:
    query = select(KnownChannel).where(KnownChannel.workspace_id == workspace_id)
    return (await session.scalars(query)).all()


async def live_campaigns(session: AsyncSession, workspace_id: str) -> Sequence[Campaign]:
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id, Campaign.deleted_at.is_(None)
    )
    return (await session.scalars(query)).all()


async def posts_to_export(
    session: AsyncSession,
    workspace_id: str,
    *,
    status: str | None,
    campaign_id: str | None,
    channel_id: str | None,
    created_after: datetime | None,
    created_before: datetime | None,
    limit: int,
) -> Sequence[Post]:
    """The workspace's posts that match, oldest first, with their channels (at most
    `limit`; ask for one more than the cap to know it was passed)."""
    query = select(Post).where(Post.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Post.status == status)
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    if channel_id is not None:
        sent_there = select(PostChannel.post_id).where(
            PostChannel.workspace_id == workspace_id, PostChannel.channel_id == channel_id
        )
        query = query.where(Post.id.in_(sent_there))
    if created_after is not None:
        query = query.where(Post.created_at >= created_after)
    if created_before is not None:
        query = query.where(Post.created_at < created_before)
    query = query.order_by(Post.created_at, Post.id).limit(limit)
    return (await session.scalars(query.options(selectinload(Post.channels)))).all()
