"""The feeds' queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import Channel, Distribution, DistributionStatus


async def channel_of(session: AsyncSession, token: str) -> Channel | None:
    """The feed channel whose feed is at `token` (none once the channel is deleted)."""
    return await session.scalar(
        select(Channel).where(Channel.feed_token == token, Channel.deleted_at.is_(None))
    )


async def published(session: AsyncSession, channel: Channel, *, limit: int) -> list[Distribution]:
    """The channel's published distributions, newest first."""
    rows = await session.scalars(
        select(Distribution)
        .where(
            Distribution.channel_id == channel.id,
            Distribution.workspace_id == channel.workspace_id,
            Distribution.status == DistributionStatus.SUCCEEDED.value,
        )
        .order_by(Distribution.created_at.desc(), Distribution.id.desc())
        .limit(limit)
    )
    return list(rows.all())
