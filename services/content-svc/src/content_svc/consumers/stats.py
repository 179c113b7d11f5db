"""`stats.ingested`: keep each post's latest figures and verdict."""

from __future__ import annotations

from event_contracts import CloudEvent, StatsIngestedV1
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.consumers.payloads import payload_of
from content_svc.posts.feedback import record_stats


async def on_stats_ingested(session: AsyncSession, event: CloudEvent) -> None:
    await record_stats(session, payload_of(event, StatsIngestedV1))
