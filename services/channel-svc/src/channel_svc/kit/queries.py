"""What the repositories' list queries share: optional filters, newest-first pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from servicekit.pagination import paginate, split_page
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

M = TypeVar("M")


def where_given(
    query: Select[M], *conditions: tuple[InstrumentedAttribute[Any], object | None]
) -> Select[M]:
    """`query` narrowed, for each (column, value) whose value is given, to that value."""
    for column, value in conditions:
        if value is not None:
            query = query.where(column == value)
    return query


async def newest_first(
    session: AsyncSession,
    query: Select[M],
    *,
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    cursor: str | None,
    limit: int,
) -> tuple[list[M], str | None]:
    """One page of `query`'s rows, newest first, and the cursor of the next page."""
    paged = paginate(query, created_at=created_at, row_id=row_id, cursor=cursor, limit=limit)
    return split_page((await session.scalars(paged)).all(), limit)
