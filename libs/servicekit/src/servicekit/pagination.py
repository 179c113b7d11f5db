"""Cursor pages over (created_at, id), newest first: stable while rows are added."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Query
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from servicekit.problems import Invalid

T = TypeVar("T")

# The query parameters of a list endpoint.
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many items.")]


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        created, _, row_id = raw.partition("|")
        created_at = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid.field("cursor", "not a cursor from a previous page") from exc
    if created_at.tzinfo is None or not row_id:
        raise Invalid.field("cursor", "not a cursor from a previous page")
    return created_at, row_id


def paginate(
    query: Select[T],
    *,
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int,
) -> Select[T]:
    """`query` ordered newest first, after `cursor`, one row more than `limit`."""
    if cursor:
        after_created, after_id = decode_cursor(cursor)
        query = query.where(
            or_(
                created_at < after_created,
                and_(created_at == after_created, row_id < after_id),
            )
        )
    return query.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)


class _Row(Protocol):
    id: Any
    created_at: Any


R = TypeVar("R", bound=_Row)


def split_page(rows: Sequence[R], limit: int) -> tuple[list[R], str | None]:
    """The rows of this page and the cursor of the next one (None on the last page)."""
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_cursor(last.created_at, last.id)
