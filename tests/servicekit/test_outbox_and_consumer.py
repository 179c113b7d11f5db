"""The outbox relay and the consumer runner against the real broker and both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from devstack.broker import Broker
from event_contracts import MAX_EVENT_BYTES, CloudEvent, PostPublishedV1
from event_contracts.registry import dlq_topic
from servicekit.background import within
from servicekit.consumer import ConsumerRunner
from servicekit.db import Database
from servicekit.outbox import OutboxRelay, add_event, outbox_backlog, outbox_failed
from servicekit.problems import TooLarge
from servicekit.settings import SharedSettings
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.servicekit.kit_models import Effect, OutboxMessage, ProcessedEvent

TOPIC = "post.published"


def post_event(title: str = "周报", post_id: str | None = None) -> CloudEvent:
    workspace_id = str(uuid.uuid4())
    post_id = post_id or str(uuid.uuid4())
    payload = PostPublishedV1(
        post_id=post_id,
        workspace_id=workspace_id,
        version=1,
        title=title,
        body_markdown="正文",
        body_html="<p>正文</p>",
        tags=[],
        keywords=[],
        channel_ids=[str(uuid.uuid4())],
        author_id=str(uuid.uuid4()),
        published_at=datetime.now(UTC),
    )
    return CloudEvent.create(
        topic=TOPIC, source="/test", subject=post_id, workspace_id=workspace_id, data=payload
    )


def kit_settings(broker: Broker) -> SharedSettings:
    return SharedSettings(
        environment="test",
        kafka_bootstrap=broker.bootstrap,
        outbox_poll_seconds=0.2,
        idle_poll_max_seconds=0.2,
        consumer_max_attempts=3,
        consumer_retry_backoff_seconds=0.01,
    )


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 15.0) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await asyncio.wait_for(consumer.start(), 30.0)
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for tp_records in batch.values():
                records.extend(tp_records)
    finally:
        # Leaving the group waits on the broker: bounded, so a slow one fails the test
        # with its records rather than hanging it.
        await within(consumer.stop(), 10.0, what="test reader")
    return records


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def backlog_is_empty(db: Database) -> bool:
    async with db.transaction() as session:
        return (await outbox_backlog(session, OutboxMessage))[0] == 0


async def count(db: Database, model: Any) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_committed_event_is_published_and_rolled_back_one_never_is(
    db: Database, own_broker: Broker
) -> None:
    relay = OutboxRelay(db, OutboxMessage, kit_settings(own_broker))
    relay.start()
    try:
        rolled_back = post_event("rolled back")

        async def write_then_fail() -> None:
            async with db.transaction() as session:
                add_event(session, OutboxMessage, rolled_back)
                raise RuntimeError("business rule failed after the event was written")

        with pytest.raises(RuntimeError):
            await write_then_fail()
        committed = post_event("committed")
        async with db.transaction() as session:
            add_event(session, OutboxMessage, committed)

        records = await read_topic(own_broker.bootstrap, TOPIC, expected=1)
        await asyncio.sleep(0.5)  # give a wrongly sent second event the chance to show up
        records += await read_topic(own_broker.bootstrap, TOPIC, expected=2, timeout=1.0)
    finally:
        await relay.stop()
    ids = {CloudEvent.from_bytes(r.value).id for r in records}
    assert ids == {committed.id}
    assert records[0].key == committed.data["post_id"].encode()
    async with db.transaction() as session:
        assert await outbox_backlog(session, OutboxMessage) == (0, None)


async def test_backlog_written_while_broker_is_down_is_delivered_after_restart(
    db: Database, own_broker: Broker
) -> None:
    await own_broker.astop()
    relay = OutboxRelay(db, OutboxMessage, kit_settings(own_broker), max_backoff_s=0.5)
    relay.start()
    try:
        events = [post_event(f"backlog {i}") for i in range(5)]
        for event in events:
            async with db.transaction() as session:
                add_event(session, OutboxMessage, event)
        await asyncio.sleep(1.0)
        async with db.transaction() as session:
            waiting, oldest = await outbox_backlog(session, OutboxMessage)
        assert waiting == 5
        assert oldest is not None

        await own_broker.astart()
        records = await read_topic(own_broker.bootstrap, TOPIC, expected=5, timeout=20)
    finally:
        await relay.stop()
    assert {CloudEvent.from_bytes(r.value).id for r in records} == {e.id for e in events}


@pytest.mark.parametrize("replay_seconds", [60.0, 0.0])
async def test_events_a_restarted_broker_lost_are_sent_again(
    db: Database, own_broker: Broker, replay_seconds: float
) -> None:
    """The embedded broker keeps its log in memory: what it acknowledged before a restart
    may not have reached every consumer yet. The relay notices (a partition numbers its
    next message no higher than its last) and sends the last minute's events again."""
    settings = kit_settings(own_broker).model_copy(update={"outbox_replay_seconds": replay_seconds})
    relay = OutboxRelay(db, OutboxMessage, settings, max_backoff_s=0.5)
    relay.start()
    post_id = str(uuid.uuid4())  # one key: one partition
    try:
        before = [post_event(f"before {i}", post_id=post_id) for i in range(3)]
        for event in before:
            async with db.transaction() as session:
                add_event(session, OutboxMessage, event)
        await eventually(lambda: backlog_is_empty(db))  # sent and acknowledged

        await own_broker.astop()
        await own_broker.astart()  # empty
        after = post_event("after", post_id=post_id)
        async with db.transaction() as session:
            add_event(session, OutboxMessage, after)
        wanted = 4 if replay_seconds else 1
        await eventually(lambda: backlog_is_empty(db))
        records = await read_topic(own_broker.bootstrap, TOPIC, expected=wanted, timeout=20)
        # On PostgreSQL the relay marks rows sent in the transaction that sent them, so a
        # reader can see the replayed events a moment before their rows say so.
        await eventually(lambda: backlog_is_empty(db))
    finally:
        await relay.stop()
    ids = [CloudEvent.from_bytes(r.value).id for r in records]
    if replay_seconds:
        assert sorted(ids) == sorted([e.id for e in before] + [after.id])
        assert relay.replayed == 3  # not the one that revealed it: the new log has it
    else:
        assert ids == [after.id]
        assert relay.replayed == 0


async def record_effect(session: AsyncSession, event: CloudEvent) -> None:
    payload = event.payload()
    assert isinstance(payload, PostPublishedV1)
    if payload.title == "boom":
        raise RuntimeError("the handler cannot apply this event")
    session.add(Effect(post_id=payload.post_id, title=payload.title))


async def dead_letters_until_applied(db: Database, broker: Broker, *, expected: int) -> list[Any]:
    """Consume TOPIC with `record_effect` until `expected` messages were dead-lettered and
    one was applied; the dead letters."""
    runner = ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=f"kit-{uuid.uuid4().hex[:8]}",
        handlers={TOPIC: record_effect},
        settings=kit_settings(broker),
    )
    runner.start()
    try:
        dead = await read_topic(broker.bootstrap, dlq_topic(TOPIC), expected=expected, timeout=20)

        async def one_applied() -> bool:
            return runner.applied >= 1

        await eventually(one_applied)
    finally:
        await runner.stop()
    assert runner.dead_lettered == expected
    return dead


async def test_duplicate_delivery_is_applied_once(db: Database, own_broker: Broker) -> None:
    runner = ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=f"kit-{uuid.uuid4().hex[:8]}",
        handlers={TOPIC: record_effect},
        settings=kit_settings(own_broker),
    )
    event = post_event("只处理一次")
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        for _ in range(3):
            await producer.send_and_wait(TOPIC, event.to_bytes(), key=b"k")
    finally:
        await producer.stop()
    runner.start()
    try:

        async def seen_all() -> bool:
            return runner.applied + runner.skipped >= 3

        await eventually(seen_all)
    finally:
        await runner.stop()
    assert await count(db, Effect) == 1
    assert (runner.applied, runner.skipped) == (1, 2)


async def test_poison_messages_land_in_the_dead_letter_topic(
    db: Database, own_broker: Broker
) -> None:
    failing = post_event("boom")
    good = post_event("fine")
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(TOPIC, b"{not json", key=b"k")
        await producer.send_and_wait(TOPIC, failing.to_bytes(), key=b"k")
        await producer.send_and_wait(TOPIC, good.to_bytes(), key=b"k")
    finally:
        await producer.stop()
    dead = await dead_letters_until_applied(db, own_broker, expected=2)
    assert len(dead) == 2
    headers = [dict(r.headers) for r in dead]
    errors = sorted(h["error"].decode() for h in headers)
    assert errors[0].startswith("InvalidEvent")
    assert "the handler cannot apply this event" in errors[1]
    assert all(h["original-topic"] == TOPIC.encode() for h in headers)
    assert {r.value for r in dead} == {b"{not json", failing.to_bytes()}
    # The failing event's effect was never half-written; the good one after it went through.
    async with db.transaction() as session:
        titles = (await session.scalars(select(Effect.title))).all()
    assert titles == ["fine"]


async def test_an_event_over_the_size_limit_fails_where_it_is_made(db: Database) -> None:
    huge = post_event("大" * (MAX_EVENT_BYTES // 3 + 1))  # three UTF-8 bytes each

    async def write_both() -> None:
        async with db.transaction() as session:
            add_event(session, OutboxMessage, post_event("同一事务里的另一条"))
            add_event(session, OutboxMessage, huge)

    with pytest.raises(TooLarge) as refused:
        await write_both()
    problem = refused.value.to_problem()
    assert problem.status == 413
    assert [e.field for e in problem.errors] == ["title"]
    assert problem.model_dump()["max_event_bytes"] == MAX_EVENT_BYTES
    assert await count(db, OutboxMessage) == 0  # the whole transaction rolled back
    fits = post_event("大" * (MAX_EVENT_BYTES // 3 - 2000))
    async with db.transaction() as session:
        add_event(session, OutboxMessage, fits)
    assert await count(db, OutboxMessage) == 1


async def test_a_row_the_broker_refuses_is_parked_and_the_rows_after_it_flow(
    db: Database, own_broker: Broker
) -> None:
    """A row over the producer's max_request_size (1 MiB), written before events were
    checked, used to be retried for ever with every row after it waiting."""
    before, after = post_event("之前"), post_event("之后")
    async with db.transaction() as session:
        add_event(session, OutboxMessage, before)
    stuck = post_event("过大")
    stuck.data["body_markdown"] = "字" * 400_000  # 1.2 MB, as a 200,000-character post made
    async with db.transaction() as session:
        session.add(
            OutboxMessage(
                event_id=stuck.id,
                topic=TOPIC,
                key=stuck.data["post_id"].encode(),
                value=stuck.to_bytes(),
            )
        )
        add_event(session, OutboxMessage, after)
    relay = OutboxRelay(db, OutboxMessage, kit_settings(own_broker), max_backoff_s=0.5)
    relay.start()
    try:
        await eventually(lambda: backlog_is_empty(db), timeout=20)
        records = await read_topic(own_broker.bootstrap, TOPIC, expected=2)
    finally:
        await relay.stop()
    assert {CloudEvent.from_bytes(r.value).id for r in records} == {before.id, after.id}
    assert relay.parked == 1
    async with db.transaction() as session:
        [parked] = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None)))
        ).all()
        assert await outbox_failed(session, OutboxMessage) == 1
    assert parked.event_id == stuck.id
    assert parked.sent_at is None
    assert parked.error is not None
    assert parked.error.startswith("MessageSizeTooLargeError")
