from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gateway.__main__ import MIGRATIONS
from gateway.models import Base
from servicekit.db import create_engine
from servicekit.migrations import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

TABLES = {
    "workspaces",
    "operators",
    "pending_signups",
    "invitations",
    "refresh_tokens",
    "api_keys",
}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_migrations_upgrade_downgrade_upgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
            # The migrations build the schema the models describe.
            assert await connection.run_sync(_differences) == []

        await asyncio.to_thread(downgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()

        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
    finally:
        await engine.dispose()
