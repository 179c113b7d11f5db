"""The lookups every domain of user-svc makes: a row by id within the caller's workspace
(another workspace's id is not found, never shown), and rows by their platform's ids; and
how a PATCH request changes a row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from servicekit.problems import NotFound
from sqlalchemy import ColumnElement, Row, Select, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from user_svc.models import (
    Community,
    InboxAnswer,
    Interaction,
    Member,
    MemberIdentity,
    Segment,
)

Scoped = TypeVar("Scoped", Member, Interaction, Segment, Community, InboxAnswer)
FromPlatform = TypeVar("FromPlatform", MemberIdentity, Interaction)


async def scoped_get(
    session: AsyncSession,
    model: type[Scoped],
    workspace_id: str,
    row_id: str,
    *where: ColumnElement[bool],
) -> Scoped | None:
    """`session.get` of the workspace: the row `row_id` if it is the workspace's (and
    meets `where`), None otherwise."""
    return await session.scalar(
        select(model).where(model.id == row_id, model.workspace_id == workspace_id, *where)
    )


async def scoped_one(
    session: AsyncSession,
    model: type[Scoped],
    workspace_id: str,
    row_id: str,
    *where: ColumnElement[bool],
) -> Scoped:
    """`scoped_get`, or NotFound named by the model (`No segment ... in this workspace.`)."""
    row = await scoped_get(session, model, workspace_id, row_id, *where)
    if row is None:
        raise NotFound(f"No {model.__name__.lower()} {row_id} in this workspace.")
    return row


def apply_patch(
    row: object, patch: BaseModel, *, clearable: Collection[str] = (), skip: Collection[str] = ()
) -> None:
    """Set on `row` each field the request gave (but those in `skip`); a null clears only
    the `clearable` fields and leaves the others as they are."""
    for name in patch.model_fields_set - set(skip):
        value = getattr(patch, name)
        if value is not None or name in clearable:
            setattr(row, name, value)


def _by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    by_platform: defaultdict[str, set[str]] = defaultdict(set)
    for platform, external_id in keys:
        by_platform[platform].add(external_id)
    return {platform: sorted(ids) for platform, ids in by_platform.items()}


def _per_platform(
    model: type[FromPlatform],
    workspace_id: str,
    keys: Iterable[tuple[str, str]],
    *columns: Any,
) -> Any:
    """One SELECT of `columns` per platform of `keys` (each answered by the (workspace,
    platform, external id) index), joined by UNION ALL: one round trip for all. None
    when there are no keys."""
    selects = [
        select(*columns).where(
            model.workspace_id == workspace_id,
            model.platform == platform,
            model.external_id.in_(external_ids),
        )
        for platform, external_ids in _by_platform(keys).items()
    ]
    if not selects:
        return None
    return selects[0] if len(selects) == 1 else union_all(*selects)


async def by_platform_id(
    session: AsyncSession,
    model: type[FromPlatform],
    workspace_id: str,
    keys: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], FromPlatform]:
    """The workspace's rows by (platform, external_id), in one query."""
    query = _per_platform(model, workspace_id, keys, model)
    if query is None:
        return {}
    if not isinstance(query, Select):
        query = select(model).from_statement(query)
    return {(row.platform, row.external_id): row for row in await session.scalars(query)}


async def columns_by_platform_id(
    session: AsyncSession,
    model: type[FromPlatform],
    workspace_id: str,
    keys: Iterable[tuple[str, str]],
    *columns: InstrumentedAttribute[Any],
) -> dict[tuple[str, str], Row[Any]]:
    """`by_platform_id` reading only `columns` (rows, not objects in the session): for
    the many rows a batch looks up."""
    query = _per_platform(model, workspace_id, keys, model.platform, model.external_id, *columns)
    if query is None:
        return {}
    return {(row[0], row[1]): row for row in await session.execute(query)}
