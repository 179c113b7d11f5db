"""The API key queries the access gate asks on every request with a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import ApiKey


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """The key with this public prefix (`mok_<prefix>_...`), revoked or not."""
    return (
        await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    ).scalar_one_or_none()


async def mark_used(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
