"""The queries of trends: feed-entry ideas of a window, and the sources they came from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.models import Idea, Source


async def ideas_seen_between(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime, *, limit: int
) -> Sequence[Idea]:
    """Feed-entry ideas whose entries appeared in [start, end), newest first."""
    query = (
        select(Idea)
        .where(
            Idea.workspace_id == workspace_id,
            Idea.origin == "source_entry",
            Idea.seen_at >= start,
            Idea.seen_at < end,
        )
        .order_by(Idea.seen_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def sources_by_id(session: AsyncSession, workspace_id: str) -> dict[str, Source]:
    """The workspace's sources, by id."""
    rows = await session.scalars(select(Source).where(Source.workspace_id == workspace_id))
    return {row.id: row for row in rows}
