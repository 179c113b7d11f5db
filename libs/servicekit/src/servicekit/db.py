"""The database: engine, sessions and the one-transaction-per-unit-of-work rule.

A request (or a consumed event) owns its transaction: `Database.transaction()` opens a
session, commits at the end or rolls back on error. Services call `flush()` when they need
ids and never `commit()`. After a commit that wrote outbox rows, the outbox relay is woken
so that events leave at once instead of at the next poll. Work gathered across a
transaction and done in one go at its end (`call_before_commit`) runs inside it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import (
    ColumnDefault,
    DateTime,
    MetaData,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    event,
    insert,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
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
BEFORE_COMMIT = "before_commit"


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


async def lock_workspace(session: AsyncSession, kind: int, workspace_id: str) -> None:
    """On PostgreSQL, hold the transaction-scoped advisory lock (`kind`, the workspace) until
    the transaction ends: the workspace's other transactions taking it wait until then. On
    SQLite nothing: its writers are serial already."""
    if not is_postgres(session):
        return
    digest = hashlib.sha256(workspace_id.encode("utf-8")).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)  # pg_advisory_xact_lock(int, int)
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:kind, :key)"), {"kind": kind, "key": key}
    )


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


async def insert_rows(session: AsyncSession, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each a dict of the same columns) as part of the session's
    transaction, for the many new rows of a bulk write: no unit of work, no objects in the
    session. PostgreSQL takes them by COPY (a fraction of an executemany INSERT's cost, the
    table's constraints checked all the same; a violation raises IntegrityError as an
    INSERT would); SQLite by one executemany INSERT. Columns left out get their defaults."""
    if not rows:
        return
    if not is_postgres(session):
        await session.execute(insert(model.__table__), list(rows))
        return
    await _copy_rows(session, model.__table__, rows)


async def _copy_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    connection = await session.connection()
    adapted = await connection.get_raw_connection()
    if getattr(adapted, "_transaction", None) is None:
        # The driver begins the transaction with the first statement; COPY must be in it.
        await session.execute(text("SELECT 1"))
    dialect = connection.dialect
    given = list(rows[0])
    # The columns left out get their Python-side defaults, as an INSERT would give them
    # (server-side ones, such as an id's sequence, the server applies).
    defaults = [
        (column, column.default)
        for column in table.columns
        if column.key not in given and isinstance(column.default, ColumnDefault)
    ]
    columns = [*(table.c[name] for name in given), *(column for column, _ in defaults)]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    processed = [(index, process) for index, process in enumerate(processors) if process]
    records = []
    for row in rows:
        values = [row[name] for name in given]
        values.extend(
            default.arg(None) if default.is_callable else default.arg for _, default in defaults
        )
        for index, process in processed:
            values[index] = process(values[index])
        records.append(tuple(values))
    try:
        await adapted.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=[column.name for column in columns]
        )
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(f"COPY {table.name}", None, exc) from exc


def _by_key(model: Any, key: Sequence[str]) -> Any:
    table = model.__table__
    return and_(*(table.c[column] == bindparam(f"key_{column}") for column in key))


def _keyed(row: Mapping[str, Any], key: Sequence[str]) -> dict[str, Any]:
    values = {column: value for column, value in row.items() if column not in key}
    values.update({f"key_{column}": row[column] for column in key})
    return values


async def update_rows(
    session: AsyncSession,
    model: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str] = ("id",),
) -> None:
    """Set, on the row each of `rows` names by its `key` columns, the row's other values
    (the same columns in every row; no two rows with the same key): one statement,
    `UPDATE ... FROM unnest(arrays)` on PostgreSQL (an executemany costs the server a
    statement a row), an executemany UPDATE on SQLite. Rows loaded in the session are not
    refreshed: write this way what the session does not hold."""
    if not rows:
        return
    if is_postgres(session):
        await _update_from_arrays(session, model.__table__, rows, key)
        return
    statement = update(model.__table__).where(_by_key(model, key))
    await session.execute(statement, [_keyed(row, key) for row in rows])


async def _update_from_arrays(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], key: Sequence[str]
) -> None:
    dialect = (await session.connection()).dialect
    quote = dialect.identifier_preparer.quote
    names = list(rows[0])
    arrays: dict[str, list[Any]] = {}
    casts = []
    for index, name in enumerate(names):
        column = table.c[name]
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows]
        arrays[f"v{index}"] = [process(value) for value in values] if process else values
        casts.append(f"CAST(:v{index} AS {column.type.compile(dialect=dialect)}[])")
    target = quote(table.name)
    sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in names if name not in key)
    matches = " AND ".join(f"{target}.{quote(name)} = v.{quote(name)}" for name in key)
    statement = (
        f"UPDATE {target} SET {sets} FROM unnest({', '.join(casts)}) "
        f"AS v({', '.join(quote(name) for name in names)}) WHERE {matches}"
    )
    await session.execute(text(statement), arrays)


async def delete_rows(session: AsyncSession, model: Any, keys: Sequence[Mapping[str, Any]]) -> None:
    """Delete the rows `keys` name (each a dict of the same key columns): one executemany
    DELETE."""
    if keys:
        columns = list(keys[0])
        statement = delete(model.__table__).where(_by_key(model, columns))
        await session.execute(statement, [_keyed(row, columns) for row in keys])


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


def call_before_commit(
    session: AsyncSession, hook: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """Run `await hook(session)` inside the transaction, after the block's own work and
    right before the commit; registered twice, it still runs once. For work gathered
    across the transaction and done in one go, as part of it (its failure rolls it back)."""
    hooks: list[Callable[[AsyncSession], Awaitable[None]]] = session.info.setdefault(
        BEFORE_COMMIT, []
    )
    if hook not in hooks:
        hooks.append(hook)


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
                # A hook may register another (or queue more for itself): run until none is left.
                while hooks := session.info.pop(BEFORE_COMMIT, []):
                    for hook in hooks:
                        await hook(session)
                await session.commit()
            except BaseException:
                session.info.pop(BEFORE_COMMIT, None)
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
