"""`mediaops-admin events tail`: a topic's CloudEvents, one readable line each."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from event_contracts.envelope import CloudEvent
from pydantic import ValidationError
from servicekit.kafka import client_options
from servicekit.settings import SharedSettings

SUMMARY_FIELDS = 4


def describe(event: CloudEvent) -> str:
    """`2026-01-02 03:04:05Z post.published ws=ab12… subject=… title=… channels=2`."""
    parts = [
        event.time.strftime("%Y-%m-%d %H:%M:%SZ"),
        event.type,
        f"ws={event.workspaceid[:8]}",
        f"from={event.source}",
    ]
    if event.subject:
        parts.append(f"subject={event.subject}")
    for key, value in list(event.data.items())[:SUMMARY_FIELDS]:
        parts.append(f"{key}={_short(value)}")
    return " ".join(parts)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"[{len(value)}]"
    if isinstance(value, dict):
        return "{…}"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


async def tail(
    topics: list[str],
    settings: SharedSettings,
    *,
    emit: Callable[[str], None],
    from_beginning: bool = False,
    workspace: str | None = None,
    raw: bool = False,
    limit: int | None = None,
    idle_timeout_ms: int | None = None,
) -> int:
    """Print events until interrupted (or `limit` events, or `idle_timeout_ms` of quiet)."""
    consumer = AIOKafkaConsumer(
        *topics,
        **client_options(settings),
        group_id=f"mediaops-tail-{uuid.uuid4().hex[:8]}",  # never disturbs real consumers
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen = 0
    try:
        while limit is None or seen < limit:
            batch = await consumer.getmany(timeout_ms=idle_timeout_ms or 1000)
            if not batch and idle_timeout_ms is not None:
                break
            for records in batch.values():
                for record in records:
                    line = _line(record.value, workspace=workspace, raw=raw)
                    if line is None:
                        continue
                    emit(line)
                    seen += 1
                    if limit is not None and seen >= limit:
                        return seen
    finally:
        await consumer.stop()
    return seen


def _line(value: bytes | None, *, workspace: str | None, raw: bool) -> str | None:
    if value is None:
        return None
    try:
        event = CloudEvent.model_validate_json(value)
    except ValidationError:
        return f"(not a CloudEvent) {value[:200]!r}"
    if workspace and event.workspaceid != workspace:
        return None
    if raw:
        return json.dumps(event.model_dump(mode="json"), ensure_ascii=False)
    return describe(event)
