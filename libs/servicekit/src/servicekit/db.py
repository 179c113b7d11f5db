"""The database: engine, sessions and the one-transaction-per-unit-of-work rule.

A request (or a consumed event) owns its transaction: `Database.transaction()` opens a
session, commits at the end or rolls back on error. Services call `flush()` when they need
ids and never `commit()`. After a commit that wrote outbox rows, the outbox relay is woken
so that events leave at once instead of at the next poll.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, Select, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTBOX_FLAG = "outbox_written"
AFTER_COMMIT = "after_commit"


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> str:
    """A new row id: a random UUID, as text (the String(36) id columns)."""
    return str(uuid.uuid4())


def one_of(column: str, values: Iterable[str]) -> str:
    """The SQL of a CHECK that `column` holds one of `values` (a StrEnum, or strings):
    `status IN ('active', 'disabled')`."""
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


S = TypeVar("S", bound=Select[Any])


def where_equal(query: S, *filters: tuple[Any, object]) -> S:
    """`query` narrowed, for each (column, value) pair, to the rows whose column equals the
    value; a None value (a filter the caller left out) narrows nothing."""
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """`INSERT` with `on_conflict_do_nothing`/`on_conflict_do_update` for the session's
    database (the two databases spell them in their own dialects)."""
    if is_postgres(session):
        return postgresql.insert(model)
    return sqlite.insert(model)


async def insert_if_new(session: AsyncSession, model: Any, **values: Any) -> bool:
    """Insert the row unless its key is stored already; whether it was new (a concurrent
    insert of the same key waits for the first one's transaction, then finds it)."""
    statement = dialect_insert(session, model).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def locked(session: AsyncSession, query: S) -> S:
    """Rows that concurrent transactions take turns on (`FOR UPDATE` on PostgreSQL; SQLite
    locks the whole file for a writer anyway)."""
    if is_postgres(session):
        return query.with_for_update()
    return query


def call_after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never on rollback).

    Used to wake background workers (the outbox relay, a delivery loop) right away.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The execution option (and connection info key) of read-only transactions.
READ_ONLY = "mediaops_read_only"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            read_only = bool(conn.get_execution_options().get(READ_ONLY))
            if conn.info.get(READ_ONLY, False) != read_only:
                # A read-only transaction that tries to write fails at once, in tests too,
                # rather than racing for the lock it did not take.
                conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
                conn.info[READ_ONLY] = read_only
            # Writers take the write lock up front: two deferred transactions that both read
            # and then write would otherwise fail with "database is locked" instead of
            # waiting. Readers take none: under WAL they never wait for a writer.
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_no_autobegin(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """An engine, its session factory, and the hooks run after a commit wrote outbox rows."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None) -> None:
        self.engine = engine or create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._after_outbox_commit: list[Callable[[], None]] = []

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def on_outbox_commit(self, hook: Callable[[], None]) -> None:
        self._after_outbox_commit.append(hook)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction, committed when the block ends well. `read_only` ones may not
        write, and on SQLite they neither wait for nor block the writer."""
        async with self.sessions() as session:
            if read_only:
                await session.connection(execution_options={READ_ONLY: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                session.info.pop(AFTER_COMMIT, None)
                session.info.pop(OUTBOX_FLAG, None)
                await session.rollback()
                raise
            callbacks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT, [])
            if session.info.pop(OUTBOX_FLAG, False):
                callbacks.extend(self._after_outbox_commit)
            for callback in callbacks:
                callback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
