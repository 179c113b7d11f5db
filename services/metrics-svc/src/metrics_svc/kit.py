"""Domain-free helpers: dialect-aware upserts, time buckets, cursors, number words."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from servicekit.problems import Invalid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """`INSERT` with `on_conflict_do_update` for the session's database."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def week_floor(moment: datetime) -> datetime:
    day = day_floor(moment)
    return day - timedelta(days=day.weekday())


def fmt_int(value: float) -> str:
    """3000 -> '3,000'."""
    return f"{round(value):,}"


def fmt_ratio(value: float) -> str:
    """0.5 -> '0.5', 1.234 -> '1.23'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def encode_cursor(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid.field("cursor", "not a cursor from a previous page") from exc
    if not isinstance(payload, dict):
        raise Invalid.field("cursor", "not a cursor from a previous page")
    return payload
