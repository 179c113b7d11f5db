"""Statements that differ between our two databases, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """`INSERT` with `on_conflict_do_update` for the session's database."""
    if is_postgres(session):
        return postgresql.insert(model)
    return sqlite.insert(model)


def locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
    """Rows that concurrent transactions take turns on (`FOR UPDATE` on PostgreSQL; SQLite
    locks the whole file for a writer anyway)."""
    if is_postgres(session):
        return query.with_for_update()
    return query


async def insert_missing(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose key is not stored yet; leave the others as they are."""
    await session.execute(dialect_insert(session, model).on_conflict_do_nothing(), rows)


async def insert_if_new(session: AsyncSession, model: Any, **values: Any) -> bool:
    """Insert the row unless its key is stored already; whether it was new."""
    statement = dialect_insert(session, model).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_if_newer(
    session: AsyncSession,
    model: Any,
    key: tuple[str, ...],
    fields: dict[str, Any],
    *,
    newer: Callable[[Any], bool],
) -> bool:
    """The row with primary key `key` gets `fields` when it is new or `newer(row)` says the
    fields are newer than what it holds (copies kept from events that may come late or
    twice); whether they were applied."""
    row = await session.get(model, key)
    if row is None:
        names = [column.key for column in model.__mapper__.primary_key]
        session.add(model(**dict(zip(names, key, strict=True)), **fields))
        return True
    if not newer(row):
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    return True
