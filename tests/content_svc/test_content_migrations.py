"""The migrations build the schema the models describe, and take it down again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from content_svc.models import Base
from servicekit.db import create_engine
from servicekit.migrations import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "content-svc" / "migrations"
TABLES = {
    "posts",
    "post_channels",
    "post_revisions",
    "post_transitions",
    "review_settings",
    "known_channels",
    "sources",
    "ideas",
    "member_questions",
    "wordlists",
    "campaigns",
    "outbox_messages",
    "processed_events",
}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
            assert await connection.run_sync(_differences) == []

        await asyncio.to_thread(downgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()

        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES
    finally:
        await engine.dispose()
