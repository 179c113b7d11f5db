"""The queries of recurrences: one post's, and the due ones the releaser claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.models import PostRecurrence


async def get_recurrence(
    session: AsyncSession, workspace_id: str, post_id: str, *, for_update: bool = False
) -> PostRecurrence | None:
    query = select(PostRecurrence).where(
        PostRecurrence.workspace_id == workspace_id, PostRecurrence.post_id == post_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def claim_due(
    session: AsyncSession, now: datetime, *, limit: int
) -> Sequence[PostRecurrence]:
    """Recurrences whose next occurrence is due, locked; rows another worker holds are
    skipped (PostgreSQL; SQLite has one writer)."""
    query = (
        select(PostRecurrence)
        .where(PostRecurrence.next_at <= now)
        .order_by(PostRecurrence.next_at, PostRecurrence.post_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()
