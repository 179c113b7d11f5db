"""An internal system's subscriber: a plain aiokafka consumer of its own group."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "events"


@dataclass
class Subscriber:
    events: list[dict[str, Any]] = field(default_factory=list)
    undecodable: list[bytes] = field(default_factory=list)

    def of(self, topic: str, **data: Any) -> list[dict[str, Any]]:
        """The events of `topic` whose data hold every given value."""
        return [
            event
            for event in self.events
            if event.get("type") == topic
            and all(event.get("data", {}).get(key) == value for key, value in data.items())
        ]


def schema_errors(event: dict[str, Any]) -> list[str]:
    """Why `event` does not match its checked-in schema (empty when it does)."""
    validator = Draft202012Validator(
        json.loads((SCHEMAS / f"{event['type']}.v1.schema.json").read_text())
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(event)
    ]


@contextlib.asynccontextmanager
async def subscribed(bootstrap: str, topics: list[str]) -> AsyncIterator[Subscriber]:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"operator-week-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=True,
    )
    await consumer.start()
    subscriber = Subscriber()

    async def consume() -> None:
        async for message in consumer:
            try:
                subscriber.events.append(json.loads(message.value or b""))
            except ValueError:
                subscriber.undecodable.append(message.value or b"")

    task = asyncio.create_task(consume())
    try:
        yield subscriber
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()
