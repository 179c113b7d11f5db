"""What the gateway keeps only for a while: the live stream's events (`stream.service.KEEP`,
for `Last-Event-ID`), the ids of applied events (as long as the services keep theirs), the
idempotency keys (`KEY_TTL`, as the services keep theirs) and the notices settled a month
ago. Pruned at start and then every housekeeping interval."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from servicekit.db import Database, utcnow
from servicekit.idempotency_store import KEY_TTL
from servicekit.settings import SharedSettings
from sqlalchemy import delete

from gateway.models import IdempotencyKey, Notification, ProcessedEvent
from gateway.stream import service as stream

log = structlog.get_logger(__name__)

NOTICES_KEPT = timedelta(days=30)


async def prune(db: Database, settings: SharedSettings) -> None:
    now = utcnow()
    async with db.transaction() as session:
        await stream.forget_before(session, now - stream.KEEP)
        await session.execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.processed_at
                < now - timedelta(days=settings.processed_event_retention_days)
            )
        )
        await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEY_TTL)
        )
        await session.execute(
            delete(Notification).where(
                Notification.status != "pending", Notification.created_at < now - NOTICES_KEPT
            )
        )


async def keep_tidy(db: Database, settings: SharedSettings) -> None:
    while True:
        try:
            await prune(db, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away: try next round
            log.warning("housekeeping_failed", error=repr(exc))
        await asyncio.sleep(settings.housekeeping_interval_seconds)
