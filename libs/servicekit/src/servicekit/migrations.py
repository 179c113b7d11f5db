"""Alembic, the same way for every service: an async env and a programmatic upgrade.

Migrating holds a lock (on PostgreSQL a transaction-scoped advisory lock taken before
Alembic reads the current revision, so it also holds behind a transaction-mode pooler; on
SQLite a file lock beside the database), so two replicas, or the migrate step and a
replica, never migrate at once: the second waits, then finds nothing left to do.
`wait_until_current` lets an app that does not migrate (`serve`) start only once the schema
is the one its code expects, or a newer one (the previous release keeps running while the
next one rolls out, and can be rolled back to).
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
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from servicekit.db import UTCDateTime, create_engine, normalise_url

log = structlog.get_logger(__name__)

# The advisory lock's key: advisory locks belong to one database, and each app has its own.
MIGRATION_LOCK_KEY = 0x6D6564696F7073  # "mediops"


class MigrationsPending(RuntimeError):
    """The database schema is not at the newest migration the code knows."""


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Migrate to `revision` under the database's migration lock (`_run_sync`)."""
    url = normalise_url(database_url)
    # Make sure the SQLite folder exists before Alembic connects.
    asyncio.run(create_engine(url).dispose())
    with _file_lock(make_url(url)):
        command.upgrade(alembic_config(migrations_dir, url), revision)


@contextlib.contextmanager
def _file_lock(url: URL) -> Iterator[None]:
    """SQLite's side of the migration lock: a lock file beside the database."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
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


def _behind(migrations_dir: Path, found: set[str]) -> bool:
    """Whether a schema at `found` still needs this code's migrations. A revision this code
    does not know was made by a newer release: the schema is ahead, and migrations are
    additive first, so this (older) code may serve on it."""
    if not found:
        return True
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    return bool(found <= known) and found != set(script.get_heads())


def wait_until_current(migrations_dir: Path, database_url: str, *, timeout: float) -> None:
    """Return once the schema is at the newest migration this code knows, or ahead of it;
    raise MigrationsPending after `timeout` seconds (checked at least once, every second
    while waiting)."""
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
        if found is not None and not _behind(migrations_dir, found):
            if found != wanted:
                log.info("schema_ahead_of_code", schema=sorted(found), code=sorted(wanted))
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
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends, which holds every migration (PostgreSQL's
            # DDL is transactional); taken before Alembic reads the current revision.
            started = time.monotonic()
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            if (waited := time.monotonic() - started) > 1:
                log.info("migration_lock_waited", seconds=round(waited, 1))
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
