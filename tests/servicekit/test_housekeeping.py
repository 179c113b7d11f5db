"""Housekeeping forgets delivered outbox rows and old processed-event ids, nothing else."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta

import pytest
from servicekit.db import Database, utcnow
from servicekit.housekeeping import CHUNK, Pruned, keep_tidy, prune
from servicekit.settings import SharedSettings
from sqlalchemy import insert, select

from tests.servicekit.kit_models import OutboxMessage, ProcessedEvent


async def add_outbox(db: Database, label: str, created: datetime, sent: datetime | None) -> None:
    async with db.transaction() as session:
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "event_id": str(uuid.uuid4()),
                    "topic": label,
                    "key": b"k",
                    "value": b"{}",
                    "created_at": created,
                    "sent_at": sent,
                }
            ],
        )


async def add_processed(db: Database, topic: str, at: datetime, count: int = 1) -> None:
    async with db.transaction() as session:
        await session.execute(
            insert(ProcessedEvent),
            [
                {"event_id": str(uuid.uuid4()), "topic": topic, "processed_at": at}
                for _ in range(count)
            ],
        )


async def outbox_topics(db: Database) -> list[str]:
    async with db.transaction(read_only=True) as session:
        return sorted(await session.scalars(select(OutboxMessage.topic)))


async def processed_topics(db: Database) -> list[str]:
    async with db.transaction(read_only=True) as session:
        return sorted(await session.scalars(select(ProcessedEvent.topic)))


async def test_only_delivered_old_rows_and_old_ids_go(db: Database) -> None:
    now = utcnow()
    days = timedelta(days=1)
    await add_outbox(db, "delivered-long-ago", now - 10 * days, now - 10 * days)
    await add_outbox(db, "delivered-yesterday", now - 2 * days, now - 1 * days)
    await add_outbox(db, "never-delivered", now - 60 * days, None)
    # More old ids than one chunk deletes, so every chunk must be taken.
    await add_processed(db, "applied-long-ago", now - 40 * days, count=CHUNK + 3)
    await add_processed(db, "applied-yesterday", now - 1 * days)

    def week_and_month_old() -> Awaitable[Pruned]:
        return prune(
            db,
            OutboxMessage,
            ProcessedEvent,
            delivered_before=now - 7 * days,
            processed_before=now - 30 * days,
        )

    pruned = await week_and_month_old()

    assert (pruned.outbox_rows, pruned.processed_ids) == (1, CHUNK + 3)
    assert await outbox_topics(db) == ["delivered-yesterday", "never-delivered"]
    assert await processed_topics(db) == ["applied-yesterday"]
    # Nothing left to do: a second round removes nothing.
    again = await week_and_month_old()
    assert (again.outbox_rows, again.processed_ids) == (0, 0)


async def test_the_background_job_prunes_by_the_configured_retention(db: Database) -> None:
    now = utcnow()
    await add_outbox(db, "delivered-3-days-ago", now - timedelta(days=3), now - timedelta(days=3))
    await add_outbox(db, "delivered-just-now", now, now)
    await add_processed(db, "applied-3-days-ago", now - timedelta(days=3))
    settings = SharedSettings(
        environment="test",
        outbox_retention_days=2,
        processed_event_retention_days=2.5,
        housekeeping_interval_seconds=0.05,
    )
    job = asyncio.create_task(keep_tidy(db, OutboxMessage, ProcessedEvent, settings))
    try:
        async with asyncio.timeout(10):
            while await processed_topics(db) or len(await outbox_topics(db)) > 1:
                await asyncio.sleep(0.05)
        assert await outbox_topics(db) == ["delivered-just-now"]
        # It keeps running after a round.
        await add_processed(db, "applied-3-days-ago", now - timedelta(days=3))
        async with asyncio.timeout(10):
            while await processed_topics(db):
                await asyncio.sleep(0.05)
        assert not job.done()
    finally:
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
