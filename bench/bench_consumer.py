"""A consumer applying events: the runner every service uses against a bare aiokafka loop.

100,000 `post.published` events (as content-svc sends them) wait on the embedded broker.
The runner (`servicekit.consumer.ConsumerRunner`) applies each once, keeping its id in the
processed-events table in the same transaction as the effect (one row per event), and
commits offsets after the effect. The baseline is the least any consumer does: a bare
aiokafka consumer that parses the same events and inserts the same effect rows, one
transaction and one offset commit per fetched batch, and no once-only bookkeeping. Both on
PostgreSQL (a fresh database on the local server), one after the other, in one run.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from devstack.broker import Broker
from devstack.ports import free_port
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.consumer import ConsumerRunner
from servicekit.db import Database
from servicekit.logging import configure_logging
from servicekit.settings import SharedSettings
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import POSTGRES_URL
from tests.servicekit.kit_models import Base, Effect, ProcessedEvent

EVENTS = int(os.environ.get("MEDIAOPS_BENCH_CONSUMER_EVENTS", "100000"))
TOPIC = "post.published"
BODY = "春季新品上市，燕麦拿铁限时八折。" * 20  # a post's Markdown, about 400 characters


def _event(n: int, workspace_id: str) -> bytes:
    post_id = str(uuid.uuid4())
    payload = PostPublishedV1(
        post_id=post_id,
        workspace_id=workspace_id,
        version=1,
        title=f"第{n}篇：春季新品",
        body_markdown=BODY,
        body_html=f"<p>{BODY}</p>",
        tags=["新品", "咖啡"],
        keywords=["燕麦拿铁"],
        channel_ids=[str(uuid.uuid4()), str(uuid.uuid4())],
        author_id=str(uuid.uuid4()),
        published_at=datetime.now(UTC),
    )
    event = CloudEvent.create(
        topic=TOPIC, source="/content-svc", subject=post_id, workspace_id=workspace_id, data=payload
    )
    return event.to_bytes()


async def _produce(bootstrap: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        workspaces = [str(uuid.uuid4()) for _ in range(20)]
        for n in range(EVENTS):
            workspace_id = workspaces[n % len(workspaces)]
            await producer.send(TOPIC, _event(n, workspace_id), key=workspace_id.encode())
        await producer.flush()
    finally:
        await producer.stop()


@asynccontextmanager
async def _fresh_database() -> AsyncIterator[Database]:
    name = f"bench_consumer_{uuid.uuid4().hex[:8]}"
    server = await asyncpg.connect(POSTGRES_URL)
    await server.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    db = Database(url.render_as_string(hide_password=False))
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield db
    finally:
        await db.dispose()
        await server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await server.close()


async def _effects(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Effect)) or 0)


async def _bare(db: Database, bootstrap: str) -> float:
    """Events a second (from the first batch applied: group joins are not timed): parse,
    insert the effects of each fetched batch, commit per batch."""
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"bare-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=5,
    )
    await consumer.start()
    applied = 0
    started, applied_then = 0.0, 0
    try:
        while applied < EVENTS:
            if applied and not started:  # joined the group, applying: the clock runs
                started, applied_then = time.perf_counter(), applied
            batches = await consumer.getmany(timeout_ms=200, max_records=200)
            for records in batches.values():
                rows = []
                for record in records:
                    payload = CloudEvent.from_bytes(record.value or b"").payload()
                    assert isinstance(payload, PostPublishedV1)
                    rows.append({"post_id": payload.post_id, "title": payload.title})
                async with db.transaction() as session:
                    await session.execute(insert(Effect), rows)
                applied += len(rows)
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
    return (EVENTS - applied_then) / (time.perf_counter() - started)


async def _apply_one(session: AsyncSession, event: CloudEvent) -> None:
    payload = event.payload()
    assert isinstance(payload, PostPublishedV1)
    session.add(Effect(post_id=payload.post_id, title=payload.title))


async def _runner(db: Database, bootstrap: str) -> float:
    """Events a second through the runner (from its first batch applied, as the baseline),
    each applied once with its id kept."""
    runner = ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=f"runner-{uuid.uuid4().hex[:8]}",
        handlers={TOPIC: _apply_one},
        settings=SharedSettings(environment="test", kafka_bootstrap=bootstrap),
    )
    runner.start()
    started, applied_then = 0.0, 0
    try:
        while runner.applied < EVENTS:
            if runner.applied and not started:  # joined the group, applying: the clock runs
                started, applied_then = time.perf_counter(), runner.applied
            await asyncio.sleep(0.005)
    finally:
        await runner.stop()
    return (EVENTS - applied_then) / (time.perf_counter() - started)


async def _measure() -> tuple[float, float]:
    broker = Broker(port=free_port(), topics=[(TOPIC, 3)])
    await broker.astart()
    try:
        await _produce(broker.bootstrap)
        async with _fresh_database() as db:
            bare = await _bare(db, broker.bootstrap)
            assert await _effects(db) == EVENTS
            async with db.transaction() as session:
                await session.execute(delete(Effect))
            runner = await _runner(db, broker.bootstrap)
            assert await _effects(db) == EVENTS
        return bare, runner
    finally:
        await broker.astop()


def run() -> list[str]:
    configure_logging(level="INFO")  # as a service runs: no line per event
    bare, runner = asyncio.run(_measure())
    return [
        "## A consumer applying events (PostgreSQL)",
        "",
        f"- {EVENTS:,} `post.published` events waiting on the embedded broker (3 partitions); "
        "each applied once, one effect row per event",
        f"- the runner (`ConsumerRunner`: once-only ids kept, offsets after the effect): "
        f"{runner:,.0f} events/s",
        f"- baseline, a bare aiokafka consumer inserting each fetched batch's rows and "
        f"committing per batch: {bare:,.0f} events/s",
        f"- ratio: **{runner / bare:.2f}** (target ≥ 0.30)",
        "",
    ]
