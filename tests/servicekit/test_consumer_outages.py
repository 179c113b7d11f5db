"""An outage is waited out; only an event's own faults reach the dead-letter topic.

A PostgreSQL restart used to dead-letter every event consumed meanwhile (three attempts
0.6 s apart, whatever the error); the events were fine, only the database was away.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from devstack.broker import Broker
from devstack.ports import free_port
from event_contracts import CloudEvent, PostPublishedV1
from event_contracts.registry import dlq_topic
from servicekit.consumer import ConsumerRunner
from servicekit.db import Database
from servicekit.outages import is_unavailable
from servicekit.problems import NotFound
from sqlalchemy import exc as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import POSTGRES_URL, require_postgres
from tests.servicekit.kit_models import Effect, ProcessedEvent
from tests.servicekit.test_outbox_and_consumer import (
    TOPIC,
    count,
    eventually,
    kit_settings,
    post_event,
    read_topic,
)


async def dlq_size(bootstrap: str) -> int:
    """How many messages the post.published dead-letter topic holds (its end offsets)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = reader.partitions_for_topic(dlq_topic(TOPIC)) or set()
        ends = await reader.end_offsets(
            [TopicPartition(dlq_topic(TOPIC), p) for p in sorted(partitions)]
        )
    finally:
        await reader.stop()
    return sum(ends.values())


async def committed(reader: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The group's committed offset of `tp`, asked by a member that joins nothing."""
    offset: int | None = await reader.committed(tp)
    return offset


async def test_an_outage_is_waited_out_never_dead_lettered(
    db: Database, own_broker: Broker
) -> None:
    """The handler's database refuses connections for longer than the consumer's
    attempts last; the event is applied once it is back, the offset committed only then."""
    group = f"kit-{uuid.uuid4().hex[:8]}"
    settings = kit_settings(own_broker)
    # A PostgreSQL nobody listens for: every connection is refused, as during a restart.
    away = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    # Of the group, but subscribed to nothing: it reads the commits without joining.
    reader = AIOKafkaConsumer(
        bootstrap_servers=own_broker.bootstrap, group_id=group, enable_auto_commit=False
    )
    await reader.start()
    outage_calls = settings.consumer_max_attempts * 3
    calls = 0
    committed_during_outage: list[int | None] = []

    async def needs_the_other_database(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        if calls <= outage_calls:
            committed_during_outage.append(await committed(reader, tp))
            await away.ping()  # raises: connection refused
        payload = event.payload()
        assert isinstance(payload, PostPublishedV1)
        session.add(Effect(post_id=payload.post_id, title=payload.title))

    runner = ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=group,
        handlers={TOPIC: needs_the_other_database},
        settings=settings,
    )
    event = post_event("停机期间到达")
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(TOPIC, event.to_bytes(), key=b"k")
    finally:
        await producer.stop()
    tp = TopicPartition(TOPIC, sent.partition)
    runner.start()
    try:

        async def applied() -> bool:
            return runner.applied >= 1

        # A deadline, not a measure: the backoff alone takes ~10 s, more on a loaded machine.
        await eventually(applied, timeout=90)

        async def offset_committed() -> bool:
            return await committed(reader, tp) == sent.offset + 1

        await eventually(offset_committed)
    finally:
        await runner.stop()
        await reader.stop()
        await away.dispose()
    assert calls == outage_calls + 1
    assert (runner.applied, runner.dead_lettered) == (1, 0)
    assert await count(db, Effect) == 1
    assert await dlq_size(own_broker.bootstrap) == 0
    # Not one commit while the event waited.
    assert committed_during_outage == [None] * outage_calls


async def test_a_logic_error_still_dead_letters_after_its_attempts(
    db: Database, own_broker: Broker
) -> None:
    settings = kit_settings(own_broker)
    calls = 0

    async def always_wrong(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise KeyError("no such template")  # a bug or an impossible event, not an outage

    runner = ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=f"kit-{uuid.uuid4().hex[:8]}",
        handlers={TOPIC: always_wrong},
        settings=settings,
    )
    event = post_event("逻辑错误")
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(TOPIC, event.to_bytes(), key=event.id.encode())
    finally:
        await producer.stop()
    runner.start()
    try:
        [dead] = await read_topic(own_broker.bootstrap, dlq_topic(TOPIC), expected=1, timeout=20)
    finally:
        await runner.stop()
    headers = dict(dead.headers)
    assert headers["attempts"] == str(settings.consumer_max_attempts).encode()
    assert headers["error"].decode().startswith("KeyError")
    assert calls == settings.consumer_max_attempts
    async with db.transaction() as session:
        assert (await session.scalars(select(ProcessedEvent.event_id))).all() == []


async def _refused_through_sqlalchemy() -> BaseException:
    away = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    try:
        await away.ping()
    except Exception as exc:
        return exc
    finally:
        await away.dispose()
    raise AssertionError("a closed port accepted a connection")


async def _terminated_by_the_server() -> BaseException:
    """What a query meets when PostgreSQL shuts down under it (pg_ctl stop -m fast)."""
    await require_postgres()
    db = Database(POSTGRES_URL)
    admin = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        async with db.engine.connect() as conn:
            pid = (await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
            try:
                await conn.exec_driver_sql("SELECT 1")
            except Exception as exc:
                return exc
    finally:
        await admin.close()
        await db.dispose()
    raise AssertionError("the terminated connection still answered")


async def test_outages_are_told_from_faults_of_the_work() -> None:
    outages = [
        await _refused_through_sqlalchemy(),
        sa.OperationalError("SELECT 1", {}, Exception("database is locked")),
        TimeoutError(),
        ConnectionResetError(),
    ]
    for outage in outages:
        assert is_unavailable(outage), repr(outage)
    faults: list[BaseException] = [
        KeyError("x"),
        ValueError("bad"),
        NotFound("no such post"),
        sa.IntegrityError("INSERT", {}, Exception("duplicate key")),
    ]
    try:
        try:
            raise ConnectionRefusedError()
        except ConnectionRefusedError:
            raise ValueError("the handler made its own decision") from None
    except ValueError as decided:
        faults.append(decided)
    for fault in faults:
        assert not is_unavailable(fault), repr(fault)


@pytest.mark.postgres
async def test_a_connection_the_server_terminated_is_an_outage() -> None:
    assert is_unavailable(await _terminated_by_the_server())
