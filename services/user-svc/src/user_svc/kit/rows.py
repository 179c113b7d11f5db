"""The lookups every domain of user-svc makes: a row by id within the caller's workspace
(another workspace's id is not found, never shown), and rows by their platform's ids; and
how a PATCH request changes a row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import TypeVar

from pydantic import BaseModel
from servicekit.problems import NotFound
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def by_platform_id(
    session: AsyncSession,
    model: type[FromPlatform],
    workspace_id: str,
    keys: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], FromPlatform]:
    """The workspace's rows by (platform, external_id), one query per platform."""
    by_platform: defaultdict[str, set[str]] = defaultdict(set)
    for platform, external_id in keys:
        by_platform[platform].add(external_id)
    found: dict[tuple[str, str], FromPlatform] = {}
    for platform, external_ids in by_platform.items():
        rows = await session.scalars(
            select(model).where(
                model.workspace_id == workspace_id,
                model.platform == platform,
                model.external_id.in_(sorted(external_ids)),
            )
        )
        for row in rows:
            found[(row.platform, row.external_id)] = row
    return found
