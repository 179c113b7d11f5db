"""The migrations build the tables the models describe, and can be undone and redone."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from channel_svc.__main__ import MIGRATIONS
from channel_svc.models import Base
from servicekit.db import Database
from servicekit.migrations import downgrade, upgrade
from sqlalchemy import inspect


async def table_names(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await db.dispose()


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    tables = set(Base.metadata.tables)
    assert tables == {
        "answer_sends",
        "autoreplies",
        "callback_messages",
        "callback_nonces",
        "callback_settings",
        "campaigns",
        "channel_syncs",
        "channels",
        "clicks",
        "distributions",
        "outbox_messages",
        "processed_events",
        "idempotency_keys",
        "send_windows",
        "tracked_links",
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_subscriptions",
        "wechat_tag_members",
        "wechat_tags",
        "wordlists",
    }
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert tables <= await table_names(database_url)
    await asyncio.to_thread(downgrade, MIGRATIONS, database_url)
    assert await table_names(database_url) <= {"alembic_version"}
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    assert tables <= await table_names(database_url)


async def test_migrations_match_the_models(database_url: str) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    db = Database(database_url)
    try:
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await db.dispose()
    assert differences == []
