"""The collectors' queries: their rows, the due ones, and the copies of our posts on a
channel by the platform's id recorded at delivery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import ChannelSync, Distribution, DistributionStatus

DELIVERED = (DistributionStatus.SUCCEEDED.value, DistributionStatus.TAKEN_DOWN.value)


async def get(session: AsyncSession, channel_id: str) -> ChannelSync | None:
    return await session.get(ChannelSync, channel_id)


async def due(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    rows = await session.scalars(
        select(ChannelSync.channel_id)
        .where(
            ChannelSync.next_run_at <= now,
            or_(ChannelSync.lease_until.is_(None), ChannelSync.lease_until < now),
        )
        .order_by(ChannelSync.next_run_at)
        .limit(limit)
    )
    return list(rows)


async def claim(session: AsyncSession, channel_id: str, now: datetime, until: datetime) -> bool:
    """Take the run for this replica, unless another took it first."""
    result = await session.execute(
        update(ChannelSync)
        .where(
            ChannelSync.channel_id == channel_id,
            ChannelSync.next_run_at <= now,
            or_(ChannelSync.lease_until.is_(None), ChannelSync.lease_until < now),
        )
        .values(lease_until=until)
    )
    return bool(getattr(result, "rowcount", 0))


async def delivered_copies(
    session: AsyncSession, channel_id: str, since: datetime
) -> Sequence[Distribution]:
    """The channel's delivered posts since `since`, with the platform's ids."""
    rows = await session.scalars(
        select(Distribution).where(
            Distribution.channel_id == channel_id,
            Distribution.status.in_(DELIVERED),
            Distribution.created_at >= since,
        )
    )
    return list(rows)


async def posts_by_external_id(
    session: AsyncSession, channel_id: str, external_ids: Iterable[str]
) -> dict[str, str]:
    """Our posts on the channel by the platform's id recorded at delivery."""
    rows = await session.execute(
        select(Distribution.external_id, Distribution.post_id).where(
            Distribution.channel_id == channel_id,
            Distribution.status.in_(DELIVERED),
            Distribution.external_id.in_(list(external_ids)),
        )
    )
    return {str(external_id): post_id for external_id, post_id in rows}
