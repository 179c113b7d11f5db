"""Rows that belong to one workspace (operators, invitations, API keys): found, and listed a
page at a time, only within the caller's workspace."""

from __future__ import annotations

from typing import Any, TypeVar

from servicekit.pagination import paginate, split_page
from servicekit.problems import NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import ApiKey, Invitation, Operator

Row = TypeVar("Row", Operator, Invitation, ApiKey)


async def get_in_workspace(
    session: AsyncSession, model: type[Row], row_id: str, workspace_id: str, what: str
) -> Row:
    """The row; a 404 saying there is no such `what` ("API key") when it does not exist or
    belongs to another workspace (the same answer: another workspace's ids are nobody's
    business)."""
    row = await session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"There is no such {what}.")
    return row


async def page_in_workspace(
    session: AsyncSession,
    model: type[Row],
    workspace_id: str,
    *where: Any,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row], str | None]:
    """A page of the workspace's rows (newest first) that also match `where`, and the cursor
    of the next page."""
    query = select(model).where(model.workspace_id == workspace_id, *where)
    page = paginate(query, created_at=model.created_at, row_id=model.id, cursor=cursor, limit=limit)
    return split_page(list((await session.execute(page)).scalars()), limit)
