"""Ids in the form the tables store them."""

from __future__ import annotations

import uuid


def canonical_id(value: str) -> str | None:
    """The canonical spelling of a UUID, or None when `value` is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
