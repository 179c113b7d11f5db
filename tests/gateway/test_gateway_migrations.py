from __future__ import annotations

import asyncio

from gateway.__main__ import MIGRATIONS
from servicekit.db import create_engine
from servicekit.migrations import downgrade, upgrade
from sqlalchemy import inspect

TABLES = {"workspaces", "operators", "invitations", "refresh_tokens", "api_keys"}


async def _tables(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def test_migrations_upgrade_downgrade_upgrade(database_url: str) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert await _tables(database_url) == TABLES

    await asyncio.to_thread(downgrade, MIGRATIONS, database_url)
    assert await _tables(database_url) == set()

    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert await _tables(database_url) == TABLES
