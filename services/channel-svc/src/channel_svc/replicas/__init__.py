"""Local copies of other services' data, kept from their events by `consumers/`.

Each copy keeps the newest change it has seen: events of one row may arrive out of order
after a redelivery, and an older change arriving late changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import ReplicaMixin, refuse_long_ids

R = TypeVar("R", bound=ReplicaMixin)


class Change(Protocol):
    """What every change event of a copied row says."""

    @property
    def workspace_id(self) -> str: ...

    @property
    def changed_at(self) -> datetime: ...


async def row_to_change(
    session: AsyncSession, model: type[R], row_id: str, change: Change
) -> R | None:
    """The copy of `row_id` that `change` is applied to (a new one when there is none yet),
    or None when it must be left alone: a newer change is already kept, or the id belongs
    to another workspace (an id clash never lets one overwrite another)."""
    workspace_id, changed_at = change.workspace_id, change.changed_at
    refuse_long_ids(row_id, workspace_id)
    row = await session.get(model, row_id)
    if row is None:
        row = model(id=row_id, workspace_id=workspace_id)
        session.add(row)
    elif row.workspace_id != workspace_id or row.changed_at >= changed_at:
        return None
    row.changed_at = changed_at
    return row
