"""What the repositories' list queries share: optional filters, newest-first pages."""

from __future__ import annotations

from typing import Any, TypeVar

from servicekit.db import where_equal
from servicekit.pagination import PageRequest, paginate, split_page
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

M = TypeVar("M")


async def workspace_page(
    session: AsyncSession,
    model: type[M],
    *,
    workspace_id: str,
    given: tuple[tuple[InstrumentedAttribute[Any], object | None], ...] = (),
    where: tuple[ColumnElement[bool], ...] = (),
    paging: PageRequest,
) -> tuple[list[M], str | None]:
    """One page of the workspace's `model` rows, newest first, narrowed by the `where`
    conditions and by each `given` (column, value) whose value is given, and the cursor of
    the next page. `model` is a table with `id`, `workspace_id` and `created_at` columns."""
    table: Any = model  # its columns, which the type of its rows does not describe
    query = where_equal(select(model).where(table.workspace_id == workspace_id, *where), *given)
    paged = paginate(
        query,
        created_at=table.created_at,
        row_id=table.id,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return split_page((await session.scalars(paged)).all(), paging.limit)
