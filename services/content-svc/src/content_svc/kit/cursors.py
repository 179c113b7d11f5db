"""Opaque keyset cursors: over (created_at, id) for lists ordered newest first, over
(rank, id) for lists ordered by a number."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from servicekit.problems import Invalid

CURSOR_FIELD = "cursor"


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.astimezone(UTC).isoformat(), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor stands for; a 422 naming `cursor` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, row_id = json.loads(raw)
        if not isinstance(created, str) or not isinstance(row_id, str) or not row_id:
            raise ValueError("wrong shape")
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None:
            raise ValueError("naive time")
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise Invalid.field(
            CURSOR_FIELD, "is not a cursor from this list; pass back `next_cursor` as it came"
        ) from exc
    return created_at.astimezone(UTC), row_id


def encode_rank_cursor(rank: int, row_id: str) -> str:
    raw = json.dumps([rank, row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_rank_cursor(cursor: str) -> tuple[int, str]:
    """The position of a cursor over (rank, id), for lists ordered by a number."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, row_id = json.loads(raw)
        if not isinstance(rank, int) or isinstance(rank, bool) or not isinstance(row_id, str):
            raise ValueError("wrong shape")
        if not row_id:
            raise ValueError("no id")
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise Invalid.field(
            CURSOR_FIELD, "is not a cursor from this list; pass back `next_cursor` as it came"
        ) from exc
    return rank, row_id
