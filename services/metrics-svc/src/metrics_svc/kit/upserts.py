"""Upserts metrics-svc's copies and series need, on both databases (the dialect-specific
insert, `insert_if_new` and `locked` are servicekit's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servicekit.db import dialect_insert
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_missing(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose key is not stored yet; leave the others as they are."""
    await session.execute(dialect_insert(session, model).on_conflict_do_nothing(), rows)


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
