"""Filters the list queries share, written once for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mentions(text: str, *columns: Any) -> ColumnElement[bool]:
    """One of `columns` contains `text`, case-insensitively (NULL contains nothing)."""
    pattern = f"%{_escape_like(text.lower())}%"
    return or_(
        *(func.lower(func.coalesce(column, "")).like(pattern, escape="\\") for column in columns)
    )


def holds_label(session: AsyncSession, column: Any, label: str) -> ColumnElement[bool]:
    """The JSON array in `column` holds `label` (compared case-insensitively)."""
    # Both functions yield one row per element, in a column named `value`.
    postgres = session.get_bind().dialect.name == "postgresql"
    elements = func.json_array_elements_text if postgres else func.json_each
    each = elements(column).table_valued("value")
    return exists(select(1).select_from(each).where(func.lower(each.c.value) == label.lower()))
