"""Ids in the form the tables store them, the filters by them, and the lookup of one
workspace's row by id."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from servicekit.problems import Invalid
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ExecutableOption

R = TypeVar("R")


def canonical_id(value: str) -> str | None:
    """The canonical spelling of a UUID, or None when `value` is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def id_filter(value: str | None, field: str) -> str | None:
    """A filter's id in canonical form, None when the filter is not given; a value that is
    no UUID is refused, naming `field`, rather than filtering out every row."""
    if value is None:
        return None
    canonical = canonical_id(value)
    if canonical is None:
        raise Invalid.field(field, f"{value!r} is not an id")
    return canonical


async def workspace_row(
    session: AsyncSession,
    model: type[R],
    workspace_id: str,
    row_id: str,
    *,
    for_update: bool = False,
    where: tuple[ColumnElement[bool], ...] = (),
    options: tuple[ExecutableOption, ...] = (),
) -> R | None:
    """The workspace's row of `model` (a table with `id` and `workspace_id` columns) whose
    id is `row_id`, in any spelling of the UUID; None when there is none, it is another
    workspace's, or `row_id` is no UUID at all."""
    canonical = canonical_id(row_id)
    if canonical is None:
        return None
    table: Any = model
    query = (
        select(model)
        .where(table.workspace_id == workspace_id, table.id == canonical, *where)
        .options(*options)
    )
    if for_update:
        query = query.with_for_update(of=model)
    row: R | None = (await session.scalars(query)).one_or_none()
    return row
