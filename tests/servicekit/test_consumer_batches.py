"""The consumer runner applies a fetch's events together, and falls back to one by one.

Against the real broker and both databases: a backlog is applied in a few transactions,
not one per event; one poison event in it still goes alone to the dead-letter topic while
every other event is applied once; and a handler whose effect leaves the database never
shares a transaction, so a rolled-back batch has sent nothing twice.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from devstack.broker import Broker
from event_contracts import CloudEvent, PostPublishedV1
from event_contracts.registry import dlq_topic
from servicekit.consumer import ConsumerRunner, Handler
from servicekit.db import Database
from servicekit.events import handles, handles_many
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.servicekit.kit_models import Effect, ProcessedEvent
from tests.servicekit.test_outbox_and_consumer import (
    TOPIC,
    eventually,
    kit_settings,
    post_event,
    read_topic,
    record_effect,
)


@pytest.fixture
async def commits(db: Database) -> AsyncIterator[list[int]]:
    """Every transaction the database commits, counted."""
    seen: list[int] = []

    def on_commit(_: Any) -> None:
        seen.append(1)

    sa_event.listen(db.engine.sync_engine, "commit", on_commit)
    yield seen
    sa_event.remove(db.engine.sync_engine, "commit", on_commit)


async def produce(broker: Broker, events: list[CloudEvent | bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        for item in events:
            value = item if isinstance(item, bytes) else item.to_bytes()
            await producer.send(TOPIC, value, key=b"one-partition")
        await producer.flush()
    finally:
        await producer.stop()


async def run_until(runner: ConsumerRunner, seen: int) -> None:
    runner.start()
    try:

        async def all_seen() -> bool:
            return runner.applied + runner.skipped + runner.dead_lettered >= seen

        await eventually(all_seen, timeout=30)
    finally:
        await runner.stop()


def runner_of(db: Database, broker: Broker, handler: Handler) -> ConsumerRunner:
    return ConsumerRunner(
        db,
        ProcessedEvent,
        group_id=f"kit-{uuid.uuid4().hex[:8]}",
        handlers={TOPIC: handler},
        settings=kit_settings(broker),
    )


async def effect_titles(db: Database) -> Counter[str]:
    async with db.transaction() as session:
        return Counter((await session.scalars(select(Effect.title))).all())


async def test_a_backlog_is_applied_in_a_few_transactions(
    db: Database, own_broker: Broker, commits: list[int]
) -> None:
    events = [post_event(f"第{n}篇") for n in range(300)]
    await produce(own_broker, [*events, events[7], events[123]])  # two redelivered
    runner = runner_of(db, own_broker, record_effect)
    await run_until(runner, 302)

    assert (runner.applied, runner.skipped) == (300, 2)
    assert await effect_titles(db) == Counter(event_title(e) for e in events)
    # One transaction per event would be 300 or more.
    assert len(commits) < 30


async def test_a_poison_event_in_a_batch_goes_alone_and_the_rest_are_applied_once(
    db: Database, own_broker: Broker
) -> None:
    events = [post_event(f"第{n}篇") for n in range(40)]
    poison = post_event("boom")
    await produce(own_broker, [*events[:20], poison, b"{not json", *events[20:]])
    runner = runner_of(db, own_broker, record_effect)
    await run_until(runner, 42)
    dead = await read_topic(own_broker.bootstrap, dlq_topic(TOPIC), expected=2, timeout=20)

    assert sorted(r.value for r in dead) == sorted([poison.to_bytes(), b"{not json"])
    assert (runner.applied, runner.dead_lettered) == (40, 2)
    assert await effect_titles(db) == Counter(event_title(e) for e in events)


async def test_a_handler_with_an_outside_effect_never_shares_a_transaction(
    db: Database, own_broker: Broker
) -> None:
    sent: list[str] = []

    @handles(PostPublishedV1, alone=True)
    async def send_then_record(session: AsyncSession, post: PostPublishedV1) -> None:
        if post.title == "boom":
            raise RuntimeError("the handler cannot apply this event")
        sent.append(post.title)  # what a platform would have received
        session.add(Effect(post_id=post.post_id, title=post.title))

    events = [post_event(f"第{n}篇") for n in range(30)]
    await produce(own_broker, [*events[:15], post_event("boom"), *events[15:]])
    runner = runner_of(db, own_broker, send_then_record)
    await run_until(runner, 31)

    assert Counter(sent) == Counter(event_title(e) for e in events)  # each exactly once
    assert await effect_titles(db) == Counter(sent)


def event_title(event: CloudEvent) -> str:
    payload = event.payload()
    assert isinstance(payload, PostPublishedV1)
    return payload.title


async def test_each_event_of_a_batch_sees_what_the_ones_before_it_wrote(
    db: Database, own_broker: Broker
) -> None:
    """As if each had committed: a handler that keeps one row per post finds the row the
    event before it wrote in the same transaction."""

    @handles(PostPublishedV1)
    async def keep_first_title(session: AsyncSession, post: PostPublishedV1) -> None:
        kept = await session.scalar(select(Effect.id).where(Effect.post_id == post.post_id))
        if kept is None:
            session.add(Effect(post_id=post.post_id, title=post.title))

    post_id = str(uuid.uuid4())
    await produce(own_broker, [post_event(f"第{n}版", post_id=post_id) for n in range(20)])
    runner = runner_of(db, own_broker, keep_first_title)
    await run_until(runner, 20)

    assert runner.applied == 20
    assert await effect_titles(db) == Counter(["第0版"])


async def test_a_handler_of_many_takes_a_fetchs_run_in_one_call(
    db: Database, own_broker: Broker
) -> None:
    calls: list[int] = []

    @handles_many(PostPublishedV1)
    async def keep_all(session: AsyncSession, posts: list[PostPublishedV1]) -> None:
        calls.append(len(posts))
        session.add_all(Effect(post_id=post.post_id, title=post.title) for post in posts)

    events = [post_event(f"第{n}篇") for n in range(300)]
    await produce(own_broker, [*events, events[42]])  # one redelivered
    runner = runner_of(db, own_broker, keep_all)
    await run_until(runner, 301)

    assert (runner.applied, runner.skipped) == (300, 1)
    assert await effect_titles(db) == Counter(event_title(e) for e in events)
    assert sum(calls) == 300
    assert len(calls) < 30  # one call per event would be 300


async def test_a_poison_event_in_a_run_for_many_goes_alone_to_the_dead_letters(
    db: Database, own_broker: Broker
) -> None:
    @handles_many(PostPublishedV1)
    async def keep_all(session: AsyncSession, posts: list[PostPublishedV1]) -> None:
        if any(post.title == "boom" for post in posts):
            raise RuntimeError("the handler cannot apply this event")
        session.add_all(Effect(post_id=post.post_id, title=post.title) for post in posts)

    events = [post_event(f"第{n}篇") for n in range(40)]
    poison = post_event("boom")
    await produce(own_broker, [*events[:20], poison, *events[20:]])
    runner = runner_of(db, own_broker, keep_all)
    await run_until(runner, 41)
    dead = await read_topic(own_broker.bootstrap, dlq_topic(TOPIC), expected=1, timeout=20)

    assert [r.value for r in dead] == [poison.to_bytes()]
    assert (runner.applied, runner.dead_lettered) == (40, 1)
    assert await effect_titles(db) == Counter(event_title(e) for e in events)
