"""The channels' queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.db import utcnow
from servicekit.pagination import PageRequest
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.kit.queries import workspace_page
from channel_svc.models import Channel


async def find(
    session: AsyncSession, *, workspace_id: str, channel_id: str, with_deleted: bool = False
) -> Channel | None:
    query = select(Channel).where(Channel.id == channel_id, Channel.workspace_id == workspace_id)
    if not with_deleted:
        query = query.where(Channel.deleted_at.is_(None))
    return await session.scalar(query)


async def page(
    session: AsyncSession, *, workspace_id: str, paging: PageRequest
) -> tuple[list[Channel], str | None]:
    where = (Channel.deleted_at.is_(None),)
    return await workspace_page(
        session, Channel, workspace_id=workspace_id, where=where, paging=paging
    )


async def by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Channel]:
    """The channels of `ids` that exist, whatever their workspace: callers check it."""
    rows = await session.scalars(select(Channel).where(Channel.id.in_(list(ids))))
    return {channel.id: channel for channel in rows.all()}


async def block_quota(session: AsyncSession, channel_id: str, until: datetime) -> None:
    """The platform said the channel's quota is spent: no calls to it until `until` (a
    later block of another replica is kept)."""
    await session.execute(
        update(Channel)
        .where(
            Channel.id == channel_id,
            or_(Channel.quota_blocked_until.is_(None), Channel.quota_blocked_until < until),
        )
        .values(quota_blocked_until=until)
    )


async def store_credentials(session: AsyncSession, channel_id: str, sealed: str) -> None:
    channel = await session.get(Channel, channel_id)
    if channel is not None:
        channel.secret_encrypted = sealed
        channel.updated_at = utcnow()
        await session.flush()
