"""An operator lists the dead-letter topic and replays it once the cause is fixed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from devstack.broker import Broker
from devstack.ports import free_port

from tests.servicekit.test_outbox_and_consumer import post_event, read_topic

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dlq.py"


@pytest.fixture
async def own_broker() -> AsyncIterator[Broker]:
    broker = Broker(port=free_port())
    await broker.astart()
    yield broker
    await broker.astop()


async def run(*args: str) -> str:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


async def test_list_then_replay_once(own_broker: Broker) -> None:
    event = post_event("被退回的事件")
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            "post.published.dlq",
            event.to_bytes(),
            key=b"k",
            headers=[
                ("error", b"RuntimeError: channel store was down"),
                ("original-topic", b"post.published"),
                ("consumer-group", b"channel-svc"),
                ("attempts", b"3"),
            ],
        )
    finally:
        await producer.stop()

    listed = await run("list", "--bootstrap", own_broker.bootstrap)
    assert event.id in listed
    assert "channel store was down" in listed
    assert "1 dead-lettered message(s)" in listed

    first = await run("replay", "--topic", "post.published", "--bootstrap", own_broker.bootstrap)
    assert "replayed 1 message(s)" in first
    replayed = await read_topic(own_broker.bootstrap, "post.published", expected=1)
    assert [r.value for r in replayed] == [event.to_bytes()]

    second = await run("replay", "--topic", "post.published", "--bootstrap", own_broker.bootstrap)
    assert "replayed 0 message(s)" in second
