"""Forgetting what nobody needs any more: delivered outbox rows, old processed-event ids and
expired idempotency keys.

The tables otherwise grow by a row per event (or keyed request) for ever. A delivered
outbox row is kept a while for whoever investigates a delivery; an undelivered one is never
removed. A processed-event id is what turns a redelivered event into a no-op, so it must outlive the
broker's copy of the event (Kafka keeps events 7 days by default). An idempotency key
answers retries for `idempotency_store.KEY_TTL` (24 h) and is forgotten after that.
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
from servicekit.idempotency_store import KEY_TTL, IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin
from servicekit.settings import SharedSettings

log = structlog.get_logger(__name__)

# Rows deleted per transaction, so that SQLite's write lock is never held for long.
CHUNK = 2000


@dataclass(frozen=True)
class Pruned:
    outbox_rows: int
    processed_ids: int
    idempotency_keys: int = 0


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
    idempotency_model: type[IdempotencyKeyMixin] | None = None,
    keys_before: datetime | None = None,
) -> Pruned:
    """Delete outbox rows delivered before `delivered_before`, processed-event ids
    recorded before `processed_before` and idempotency keys claimed before `keys_before`."""
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
    keys = 0
    if idempotency_model is not None and keys_before is not None:
        keys = await _delete_in_chunks(
            db,
            idempotency_model,
            idempotency_model.created_at,
            idempotency_model.created_at < keys_before,
        )
    return Pruned(outbox_rows=outbox_rows, processed_ids=processed_ids, idempotency_keys=keys)


async def keep_tidy(
    db: Database,
    outbox_model: type[OutboxMessageMixin],
    processed_model: type[ProcessedEventMixin],
    settings: SharedSettings,
    idempotency_model: type[IdempotencyKeyMixin] | None = None,
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
                idempotency_model=idempotency_model,
                keys_before=now - KEY_TTL,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try next round
            log.warning("housekeeping_failed", error=repr(exc))
        else:
            if pruned.outbox_rows or pruned.processed_ids or pruned.idempotency_keys:
                log.info(
                    "housekeeping_pruned",
                    outbox_rows=pruned.outbox_rows,
                    processed_ids=pruned.processed_ids,
                    idempotency_keys=pruned.idempotency_keys,
                )
        await asyncio.sleep(settings.housekeeping_interval_seconds)
