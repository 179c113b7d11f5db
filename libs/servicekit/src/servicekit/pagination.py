"""Keyset pages, the one way every list endpoint pages: `{items, next_cursor}`.

A page is the rows after a position in a fixed order of (sort value, id); the cursor is
that position, opaque to callers. It carries the name of the order it belongs to, so a
cursor taken from another ordering (or another list) is refused with a 422 naming
`cursor` instead of silently skipping rows. Pages stay stable while rows are added.

    query = keyset(select(Post), sort="created", column=Post.created_at, row_id=Post.id,
                   cursor=cursor, limit=limit)
    rows = (await session.scalars(query)).all()
    items, next_cursor = split_page(rows, limit, sort="created",
                                    key=lambda p: (p.created_at, p.id))

`paginate` and `split_page`'s defaults are that common case: newest first by `created_at`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, TypeVarTuple

from fastapi import Depends, Query
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from servicekit.problems import Invalid

Ts = TypeVarTuple("Ts")
R = TypeVar("R")

CURSOR_FIELD = "cursor"
CREATED = "created"

# The query parameters of a list endpoint.
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]


@dataclass(frozen=True)
class PageRequest:
    """The page a list was asked for: at most `limit` rows after `cursor`."""

    cursor: str | None = None
    limit: int = 50


async def _page_request(limit: Limit = 50, cursor: Cursor = None) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


# A list endpoint's `limit` and `cursor` query parameters as one PageRequest. It has no
# default, so it follows a `*` in an endpoint whose other parameters have defaults.
Paging = Annotated[PageRequest, Depends(_page_request)]


def not_a_cursor() -> Invalid:
    return Invalid.field(
        CURSOR_FIELD, "is not a cursor from this list; pass back `next_cursor` as it came"
    )


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict):
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:
            raise ValueError("a naive time")
        return moment
    return value


def encode_cursor(sort: str, value: Any, row_id: str) -> str:
    """The position after the row `row_id` whose sort value is `value`, in order `sort`.
    `value` is anything JSON holds, a datetime, or a list of those."""
    dumped = [_dump(v) for v in value] if isinstance(value, list | tuple) else _dump(value)
    raw = json.dumps([sort, dumped, row_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    """The (sort value, id) a cursor of order `sort` stands for; a 422 naming `cursor`
    when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, row_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(row_id, str) or not row_id:
            raise ValueError("another list")
        loaded = [_load(v) for v in value] if isinstance(value, list) else _load(value)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        raise not_a_cursor() from exc
    return loaded, row_id


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
        if isinstance(value, list):
            raise not_a_cursor()
        _check_value(value, column)
        if descending:
            query = query.where(or_(column < value, and_(column == value, row_id < after_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, row_id > after_id)))
    if descending:
        return query.order_by(column.desc(), row_id.desc()).limit(limit + 1)
    return query.order_by(column.asc(), row_id.asc()).limit(limit + 1)


def paginate(
    query: Select[*Ts],
    *,
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int,
) -> Select[*Ts]:
    """`query` newest first by `created_at`, after `cursor`, one row more than `limit`."""
    return keyset(query, sort=CREATED, column=created_at, row_id=row_id, cursor=cursor, limit=limit)


def _created(row: Any) -> tuple[datetime, str]:
    return row.created_at, str(row.id)


def split_page(
    rows: Sequence[R],
    limit: int,
    *,
    sort: str = CREATED,
    key: Callable[[R], tuple[Any, str]] = _created,
) -> tuple[list[R], str | None]:
    """The rows of this page and the cursor of the next one (None on the last page).
    `rows` is what a query made by `keyset` (or `paginate`) returned: one more than
    `limit` when there is a next page."""
    if len(rows) <= limit:
        return list(rows), None
    value, row_id = key(rows[limit - 1])
    return list(rows[:limit]), encode_cursor(sort, value, row_id)


def _python_type(column: InstrumentedAttribute[Any]) -> type | None:
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator's stored type
    try:
        python_type: type = kind.python_type
    except NotImplementedError:
        return None
    return None if python_type is object else python_type


def _check_value(value: Any, column: InstrumentedAttribute[Any]) -> None:
    """A 422 naming `cursor` unless the cursor's value is of `column`'s type: a forged cursor
    of the right order with a value of another type (a number for a time) would otherwise
    reach the database, and fail there as a 500."""
    expected = _python_type(column)
    if expected is None:
        return
    if expected is float and isinstance(value, int):
        value = float(value)
    if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
        raise not_a_cursor()
