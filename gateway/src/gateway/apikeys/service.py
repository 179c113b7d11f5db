"""API keys for internal systems: narrow scopes, shown once, stored as a hash.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from servicekit.auth import Caller
from servicekit.problems import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.apikeys import repository
from gateway.gate import API_KEY_PREFIX
from gateway.kit.tokens import digest
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


async def list_keys(
    session: AsyncSession, caller: Caller, *, cursor: str | None, limit: int
) -> tuple[list[ApiKey], str | None]:
    return await repository.keys_page(session, caller.workspace_id, cursor=cursor, limit=limit)


async def get_key(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    stored = await repository.key_in_workspace(session, key_id, caller.workspace_id)
    if stored is None:
        raise NotFound("There is no such API key.")
    return stored


async def revoke(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    stored = await get_key(session, caller, key_id)
    if stored.revoked_at is None:
        stored.revoked_at = datetime.now(UTC)
        await session.flush()
    return stored
