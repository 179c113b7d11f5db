"""`stats.ingested`: keep each post's latest figures and verdict."""

from __future__ import annotations

from event_contracts import StatsIngestedV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.posts.feedback import record_stats


@handles(StatsIngestedV1)
async def record_figures(session: AsyncSession, batch: StatsIngestedV1) -> None:
    await record_stats(session, batch)
