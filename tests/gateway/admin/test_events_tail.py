"""`mediaops-admin events tail`: a topic's events, one readable line each, from the test
broker."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaProducer
from devstack.broker import Broker
from event_contracts.envelope import CloudEvent
from gateway.admin.app import app
from typer.testing import CliRunner

runner = CliRunner()


async def test_events_tail_prints_readable_lines(broker: Broker) -> None:
    topic = "post.published"
    workspace = str(uuid.uuid4())
    event = CloudEvent(
        source="/content-svc",
        type=topic,
        subject="post-1",
        workspaceid=workspace,
        data={"post_id": "post-1", "title": "秋季新品上市", "channel_ids": ["a", "b"]},
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, event.model_dump_json().encode(), key=b"post-1")
    finally:
        await producer.stop()

    result = await asyncio.to_thread(
        runner.invoke,
        app,
        [
            "events",
            "tail",
            topic,
            "--bootstrap",
            broker.bootstrap,
            "--from-beginning",
            "--workspace",
            workspace,
            "--limit",
            "1",
            "--idle-seconds",
            "20",
        ],
        env={"COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert "post.published" in line
    assert f"ws={workspace[:8]}" in line
    assert "subject=post-1" in line
    assert "title=秋季新品上市" in line
    assert "channel_ids=[2]" in line
