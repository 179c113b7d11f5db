"""The migration check the services share: upgrade builds exactly the tables (and the schema
the models describe), downgrade takes them all down, and upgrade works again after it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from servicekit.db import create_engine
from servicekit.migrations import downgrade, upgrade
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def assert_round_trip(
    database_url: str, migrations: Path, metadata: MetaData, tables: set[str]
) -> None:
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    engine = create_engine(database_url)
    try:
        await asyncio.to_thread(upgrade, migrations, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == tables
            # The migrations build the schema the models describe.
            assert await connection.run_sync(differences) == []

        await asyncio.to_thread(downgrade, migrations, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()

        await asyncio.to_thread(upgrade, migrations, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == tables
    finally:
        await engine.dispose()
