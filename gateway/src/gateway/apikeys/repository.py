"""The API key queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.kit.workspace_rows import get_in_workspace, page_in_workspace
from gateway.models import ApiKey


async def keys_page(
    session: AsyncSession, workspace_id: str, *, cursor: str | None, limit: int
) -> tuple[list[ApiKey], str | None]:
    return await page_in_workspace(session, ApiKey, workspace_id, cursor=cursor, limit=limit)


async def key_in_workspace(session: AsyncSession, key_id: str, workspace_id: str) -> ApiKey | None:
    return await get_in_workspace(session, ApiKey, key_id, workspace_id)


async def key_by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """The key with this public prefix (`mok_<prefix>_...`), revoked or not."""
    return (
        await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    ).scalar_one_or_none()


async def mark_used(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
