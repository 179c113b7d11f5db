"""An operator lists the dead-letter topics and replays one once the cause is fixed, with
`mediaops-admin dlq` against a real broker, reading Kafka's address as the apps do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from devstack.broker import Broker
from devstack.ports import free_port
from event_contracts import KAFKA_HEADERS, CloudEvent
from gateway.admin.app import app
from typer.testing import CliRunner, Result

from tests.servicekit.test_outbox_and_consumer import post_event, read_topic

runner = CliRunner()


@pytest.fixture
async def own_broker() -> AsyncIterator[Broker]:
    broker = Broker(port=free_port())
    await broker.astart()
    yield broker
    await broker.astop()


async def mediaops_admin(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run a command in a thread, so that this loop's broker clients keep running."""
    return await asyncio.to_thread(
        runner.invoke, app, list(args), env={"COLUMNS": "200", **(env or {})}
    )


async def dead_letter(bootstrap: str, event: CloudEvent, error: bytes) -> None:
    """A message as the consumer runner dead-letters it, headers included."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            "post.published.dlq",
            event.to_bytes(),
            key=b"k",
            headers=[
                *KAFKA_HEADERS,
                ("error", error),
                ("original-topic", b"post.published"),
                ("consumer-group", b"channel-svc"),
                ("attempts", b"3"),
            ],
        )
    finally:
        await producer.stop()


async def test_list_then_replay_once(own_broker: Broker) -> None:
    event = post_event("被退回的事件")
    # Square brackets as an error text may carry them: printed as they are, not as markup.
    await dead_letter(own_broker.bootstrap, event, b"RuntimeError: [channel store] was down")
    from_env = {"MEDIAOPS_KAFKA_BOOTSTRAP": own_broker.bootstrap}

    listed = await mediaops_admin("dlq", "list", env=from_env)
    one_topic = await mediaops_admin("dlq", "list", "--topic", "post.published", env=from_env)
    elsewhere = await mediaops_admin("dlq", "list", "--topic", "stats.ingested", env=from_env)
    dry = await mediaops_admin(
        "dlq", "replay", "--topic", "post.published", "--dry-run", env=from_env
    )
    first = await mediaops_admin(
        "dlq", "replay", "--topic", "post.published", "--bootstrap", own_broker.bootstrap
    )
    # Waits for a second copy, which a dry run that sent would have made.
    replayed = await read_topic(own_broker.bootstrap, "post.published", expected=2, timeout=3)
    second = await mediaops_admin("dlq", "replay", "--topic", "post.published", env=from_env)

    for result in (listed, one_topic, elsewhere, dry, first, second):
        assert result.exit_code == 0, result.output
    assert f"post.published.dlq@0 event {event.id} group=channel-svc attempts=3" in listed.output
    assert "RuntimeError: [channel store] was down" in listed.output
    assert "1 dead-lettered message(s)" in listed.output
    assert event.id in one_topic.output
    assert "0 dead-lettered message(s)" in elsewhere.output
    assert "would replay 1 message(s)" in dry.output
    assert "replayed 1 message(s) from post.published.dlq to post.published" in first.output
    # The dry run sent nothing: the topic holds the one replayed copy.
    assert [r.value for r in replayed] == [event.to_bytes()]
    # As it first came: its content-type, not the dead-lettering's error headers.
    assert [list(r.headers) for r in replayed] == [list(KAFKA_HEADERS)]
    assert "replayed 0 message(s)" in second.output


async def test_unusable_kafka_settings_in_the_environment_are_refused_readably(
    own_broker: Broker,
) -> None:
    unreadable = await mediaops_admin(
        "dlq",
        "list",
        "--bootstrap",
        own_broker.bootstrap,
        env={"MEDIAOPS_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
    )
    unknown_topic = await mediaops_admin("dlq", "replay", "--topic", "post.publish")

    assert unreadable.exit_code == 2
    assert "MEDIAOPS_KAFKA_SASL_MECHANISM is required" in unreadable.output
    assert unknown_topic.exit_code == 2
    assert "not a registry topic" in unknown_topic.output
