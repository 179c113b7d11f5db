"""API keys for internal systems: narrow scopes, shown once, stored as a hash.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from servicekit.auth import Caller
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.gate import API_KEY_PREFIX
from gateway.kit.tokens import digest
from gateway.kit.workspace_rows import get_in_workspace, page_in_workspace
from gateway.models import ApiKey


async def create(
    session: AsyncSession, caller: Caller, *, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    stored = ApiKey(
        workspace_id=caller.workspace_id,
        name=name,
        prefix=prefix,
        key_hash=digest(key),
        scopes=sorted(set(scopes)),
        created_by=caller.user_id,
    )
    session.add(stored)
    await session.flush()
    return stored, key


async def get_key(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    return await get_in_workspace(session, ApiKey, key_id, caller.workspace_id, "API key")


async def list_keys(
    session: AsyncSession, caller: Caller, *, cursor: str | None, limit: int
) -> tuple[list[ApiKey], str | None]:
    """Every key of the workspace, whoever created it, newest first."""
    return await page_in_workspace(session, ApiKey, caller.workspace_id, cursor=cursor, limit=limit)


async def revoke(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    stored = await get_key(session, caller, key_id)
    if stored.revoked_at is None:
        stored.revoked_at = datetime.now(UTC)
        await session.flush()
    return stored
