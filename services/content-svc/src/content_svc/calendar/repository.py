"""The SQL of the calendar: one workspace's posts and campaigns in a span of time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.models import Campaign, KnownChannel, Post, PostStatus


async def posts_between(
    session: AsyncSession,
    workspace_id: str,
    start: datetime,
    end: datetime,
    *,
    campaign_id: str | None,
) -> Sequence[Post]:
    """Posts scheduled for, or published in, [start, end), with their channels."""
    query = (
        select(Post)
        .where(
            Post.workspace_id == workspace_id,
            or_(
                and_(
                    Post.status == PostStatus.SCHEDULED.value,
                    Post.scheduled_at >= start,
                    Post.scheduled_at < end,
                ),
                and_(
                    Post.status == PostStatus.PUBLISHED.value,
                    Post.published_at >= start,
                    Post.published_at < end,
                ),
            ),
        )
        .options(selectinload(Post.channels))
    )
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    return (await session.scalars(query)).all()


async def campaigns_between(
    session: AsyncSession,
    workspace_id: str,
    start: datetime,
    end: datetime,
    *,
    campaign_id: str | None,
) -> Sequence[Campaign]:
    """Live campaigns overlapping [start, end), earliest first."""
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id,
        Campaign.deleted_at.is_(None),
        Campaign.starts_at < end,
        Campaign.ends_at >= start,
    )
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    return (await session.scalars(query.order_by(Campaign.starts_at, Campaign.id))).all()


async def known_channels(
    session: AsyncSession, workspace_id: str, channel_ids: set[str]
) -> dict[str, KnownChannel]:
    if not channel_ids:
        return {}
    rows = await session.scalars(
        select(KnownChannel).where(
            KnownChannel.workspace_id == workspace_id, KnownChannel.channel_id.in_(channel_ids)
        )
    )
    return {row.channel_id: row for row in rows}
