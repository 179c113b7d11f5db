"""Opaque keyset cursors over (sort value, id), in either direction.

A cursor carries the sort it belongs to, so one taken from another ordering is refused
with a 422 naming `cursor` instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, TypeVarTuple

from servicekit.problems import Invalid
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

Ts = TypeVarTuple("Ts")
R = TypeVar("R")

CURSOR_FIELD = "cursor"


def _bad() -> Invalid:
    return Invalid.field(
        CURSOR_FIELD, "is not a cursor from this list; pass back `next_cursor` as it came"
    )


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict):
        return datetime.fromisoformat(value["t"])
    return value


def encode_cursor(sort: str, value: Any, row_id: str) -> str:
    raw = json.dumps([sort, _dump(value), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, row_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(row_id, str) or not row_id:
            raise ValueError("another list")
        return _load(value), row_id
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise _bad() from exc


def keyset(
    query: Select[*Ts],
    *,
    sort: str,
    column: InstrumentedAttribute[Any],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int,
    descending: bool = True,
) -> Select[*Ts]:
    """`query` ordered by (column, id), after `cursor`, one row more than `limit`.

    Rows whose sort value is NULL are left out: lists that sort by a nullable column
    filter on it being set.
    """
    query = query.where(column.is_not(None))
    if cursor:
        value, after_id = decode_cursor(cursor, sort)
        if descending:
            query = query.where(or_(column < value, and_(column == value, row_id < after_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, row_id > after_id)))
    if descending:
        return query.order_by(column.desc(), row_id.desc()).limit(limit + 1)
    return query.order_by(column.asc(), row_id.asc()).limit(limit + 1)


def split_page(
    rows: Sequence[R], limit: int, *, sort: str, key: Callable[[R], tuple[Any, str]]
) -> tuple[list[R], str | None]:
    """The rows of this page and the cursor of the next one (None on the last page)."""
    if len(rows) <= limit:
        return list(rows), None
    value, row_id = key(rows[limit - 1])
    return list(rows[:limit]), encode_cursor(sort, value, row_id)
