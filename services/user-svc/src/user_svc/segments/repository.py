"""Segments' SQL (what a segment matches is compiled by `members.repository`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.models import Segment

MAX_LISTED = 500


async def list_segments(session: AsyncSession, workspace_id: str) -> list[Segment]:
    """The workspace's segments, newest first (at most `MAX_LISTED`)."""
    return list(
        (
            await session.scalars(
                select(Segment)
                .where(Segment.workspace_id == workspace_id)
                .order_by(Segment.created_at.desc(), Segment.id)
                .limit(MAX_LISTED)
            )
        ).all()
    )
