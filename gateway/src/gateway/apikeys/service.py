"""API keys for internal systems: narrow scopes, shown once, stored as a hash.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from servicekit.auth import Caller
from servicekit.pagination import paginate, split_page
from servicekit.problems import NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.access import API_KEY_PREFIX
from gateway.identity.service import digest
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
    page = paginate(
        select(ApiKey).where(ApiKey.workspace_id == caller.workspace_id),
        created_at=ApiKey.created_at,
        row_id=ApiKey.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page(list((await session.execute(page)).scalars()), limit)


async def get_key(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    stored = await session.get(ApiKey, key_id)
    if stored is None or stored.workspace_id != caller.workspace_id:
        raise NotFound("There is no such API key.")
    return stored


async def revoke(session: AsyncSession, caller: Caller, key_id: str) -> ApiKey:
    stored = await get_key(session, caller, key_id)
    if stored.revoked_at is None:
        stored.revoked_at = datetime.now(UTC)
        await session.flush()
    return stored
