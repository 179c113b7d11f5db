"""Local copies of other services' data, kept from their events by `consumers/`.

Each copy keeps the newest change it has seen: events of one row may arrive out of order
after a redelivery, and an older change arriving late changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from channel_svc.models import ReplicaMixin


def outdated(kept: ReplicaMixin | None, *, workspace_id: str, changed_at: datetime) -> bool:
    """Whether a change must leave the kept row alone: a newer change is already kept, or
    the id belongs to another workspace (an id clash never lets one overwrite another)."""
    if kept is None:
        return False
    return kept.workspace_id != workspace_id or kept.changed_at >= changed_at
