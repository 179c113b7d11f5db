"""Alembic, the same way for every service: an async env and a programmatic upgrade.

`upgrade` holds a lock while it migrates (a PostgreSQL advisory lock, a file lock beside a
SQLite file), so two replicas or a migrate step and a replica never migrate at once: the
second waits, then finds nothing left to do. `wait_until_current` lets an app that does not
migrate (`serve`) start only once the schema is the one its code expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import structlog
from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from servicekit.db import UTCDateTime, create_engine, normalise_url

log = structlog.get_logger(__name__)

# pg_advisory_lock's key: advisory locks belong to one database, and each app has its own.
MIGRATION_LOCK_KEY = 0x6D6564696F7073  # "mediops"


class MigrationsPending(RuntimeError):
    """The database schema is not at the newest migration the code knows."""


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Migrate to `revision` under the database's migration lock."""
    url = normalise_url(database_url)
    if make_url(url).get_backend_name() == "sqlite":
        # Make sure the SQLite folder exists before Alembic connects.
        asyncio.run(create_engine(url).dispose())
        with _file_lock(make_url(url).database):
            command.upgrade(alembic_config(migrations_dir, url), revision)
        return
    asyncio.run(_upgrade_locked(migrations_dir, url, revision))


async def _upgrade_locked(migrations_dir: Path, url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            started = time.monotonic()
            await connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            await connection.commit()
            if (waited := time.monotonic() - started) > 1:
                log.info("migration_lock_waited", seconds=round(waited, 1))
            try:

                def run(sync_connection: Connection) -> None:
                    config = alembic_config(migrations_dir, url)
                    config.attributes["connection"] = sync_connection
                    command.upgrade(config, revision)

                await connection.run_sync(run)
                await connection.commit()
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                await connection.commit()
    finally:
        await engine.dispose()


@contextlib.contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def head_revisions(migrations_dir: Path) -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return set(ScriptDirectory.from_config(config).get_heads())


async def current_revisions(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_heads()
            )
    finally:
        await engine.dispose()
    return set(heads)


def wait_until_current(migrations_dir: Path, database_url: str, *, timeout: float) -> None:
    """Return once the schema is at the newest migration; raise MigrationsPending after
    `timeout` seconds (checked at least once, every second while waiting)."""
    wanted = head_revisions(migrations_dir)
    deadline = time.monotonic() + timeout
    said = False
    while True:
        found: set[str] | None = None
        try:
            found = asyncio.run(current_revisions(database_url))
            problem = f"at {sorted(found) or 'no migration'}, the code needs {sorted(wanted)}"
        except Exception as exc:  # the database is not up yet: wait for it like for the step
            problem = f"unreachable: {type(exc).__name__}"
        if found == wanted:
            return
        if time.monotonic() >= deadline:
            raise MigrationsPending(f"the database schema is {problem}")
        if not said:
            log.info("waiting_for_migrations", state=problem)
            said = True
        time.sleep(1.0)


def downgrade(migrations_dir: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(migrations_dir, database_url), revision)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations store plain timezone-aware timestamps; UTC handling lives in the models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run_sync(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(metadata: MetaData) -> None:
    config = context.config
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync, metadata)
    await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    existing = context.config.attributes.get("connection")
    if existing is not None:
        _run_sync(existing, metadata)
    else:
        asyncio.run(_run_async(metadata))
