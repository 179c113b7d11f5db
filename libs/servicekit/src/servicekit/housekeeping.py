"""Forgetting what nobody needs any more: delivered outbox rows and old processed-event ids.

Both tables otherwise grow by a row per event for ever. A delivered outbox row is kept a
while for whoever investigates a delivery; an undelivered one is never removed. A
processed-event id is what turns a redelivered event into a no-op, so it must outlive the
broker's copy of the event (Kafka keeps events 7 days by default).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import Database, utcnow
from servicekit.outbox import OutboxMessageMixin
from servicekit.settings import SharedSettings

log = structlog.get_logger(__name__)

# Rows deleted per transaction, so that SQLite's write lock is never held for long.
CHUNK = 2000


@dataclass(frozen=True)
class Pruned:
    outbox_rows: int
    processed_ids: int


async def _delete_in_chunks(
    db: Database, model: type, key: InstrumentedAttribute[object], condition: ColumnElement[bool]
) -> int:
    removed = 0
    while True:
        async with db.transaction() as session:
            doomed = select(key).where(condition).limit(CHUNK).scalar_subquery()
            result = await session.execute(delete(model).where(key.in_(doomed)))
        count = int(getattr(result, "rowcount", 0) or 0)
        removed += count
        if count < CHUNK:
            return removed


async def prune(
    db: Database,
    outbox_model: type[OutboxMessageMixin],
    processed_model: type[ProcessedEventMixin],
    *,
    delivered_before: datetime,
    processed_before: datetime,
) -> Pruned:
    """Delete outbox rows delivered before `delivered_before` and processed-event ids
    recorded before `processed_before`."""
    sent_at = outbox_model.sent_at
    outbox_rows = await _delete_in_chunks(
        db,
        outbox_model,
        outbox_model.id,
        sent_at.is_not(None) & (sent_at < delivered_before),
    )
    processed_ids = await _delete_in_chunks(
        db,
        processed_model,
        processed_model.event_id,
        processed_model.processed_at < processed_before,
    )
    return Pruned(outbox_rows=outbox_rows, processed_ids=processed_ids)


async def keep_tidy(
    db: Database,
    outbox_model: type[OutboxMessageMixin],
    processed_model: type[ProcessedEventMixin],
    settings: SharedSettings,
) -> None:
    """Prune at start and then every `housekeeping_interval_seconds`, for ever."""
    while True:
        now = utcnow()
        try:
            pruned = await prune(
                db,
                outbox_model,
                processed_model,
                delivered_before=now - timedelta(days=settings.outbox_retention_days),
                processed_before=now - timedelta(days=settings.processed_event_retention_days),
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try next round
            log.warning("housekeeping_failed", error=repr(exc))
        else:
            if pruned.outbox_rows or pruned.processed_ids:
                log.info(
                    "housekeeping_pruned",
                    outbox_rows=pruned.outbox_rows,
                    processed_ids=pruned.processed_ids,
                )
        await asyncio.sleep(settings.housekeeping_interval_seconds)
