"""The queries of the local copies of other services' data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.models import KnownChannel


async def known_channels(session: AsyncSession, channel_ids: Sequence[str]) -> list[KnownChannel]:
    """The copy's rows of these channels, whichever workspace they belong to."""
    query = select(KnownChannel).where(KnownChannel.channel_id.in_(channel_ids))
    return list((await session.scalars(query)).all())


async def platforms_of(
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str]
) -> dict[str, str | None]:
    """The platform of each of these channels of the workspace that the copy knows."""
    rows = await session.scalars(
        select(KnownChannel).where(
            KnownChannel.workspace_id == workspace_id, KnownChannel.channel_id.in_(channel_ids)
        )
    )
    return {row.channel_id: row.platform for row in rows}


async def live_platforms(session: AsyncSession, workspace_id: str) -> list[str]:
    """The platform of each channel of the workspace that is not deleted."""
    rows = await session.scalars(
        select(KnownChannel.platform).where(
            KnownChannel.workspace_id == workspace_id, KnownChannel.deleted.is_(False)
        )
    )
    return list(rows)
