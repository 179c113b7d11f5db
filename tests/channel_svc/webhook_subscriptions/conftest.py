"""Webhook subscription fixtures: a runtime whose retries are all due at once (the worker's
rounds are then driven by the test, one `send_due` at a time), its owner, and helpers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from channel_svc.app import create_runtime
from channel_svc.models import Base
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from event_contracts import CloudEvent, get_topic

from tests.conftest import Signer

# Three attempts in all, the retries due at once.
SCHEDULE = (0.0, 0.0)


@pytest.fixture
async def runtime(settings_for: Callable[..., Settings]) -> AsyncIterator[ChannelRuntime]:
    runtime = create_runtime(settings_for(webhook_retry_schedule_seconds=SCHEDULE))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.webhooks.client.aclose()
    await runtime.db.dispose()


@pytest.fixture
def owner(signer: Signer, workspace_id: str) -> dict[str, str]:
    return signer.headers(workspace_id=workspace_id, roles=("owner",))


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, *event_types: str
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": url, "event_types": list(event_types) or ["post.published"]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def send_all(runtime: ChannelRuntime) -> int:
    """Worker rounds until nothing is due: how many attempts were made."""
    made = 0
    while sent := await runtime.webhooks.send_due():
        made += sent
    return made


def example_event(topic_name: str, workspace_id: str, **fields: Any) -> CloudEvent:
    """An event of `topic_name` carrying the registry's example payload, in `workspace_id`."""
    topic = get_topic(topic_name)
    payload = topic.payload_model.model_validate(
        {**topic.example, "workspace_id": workspace_id, **fields}
    )
    source = f"/{topic.producers[0]}"
    return CloudEvent.create(topic.name, source, str(uuid.uuid4()), workspace_id, payload)


async def consume(runtime: ChannelRuntime, event: CloudEvent) -> bool:
    """Apply `event` as the consumer runner does (False: applied before)."""
    return await runtime.consumer.apply(event, runtime.consumer.handlers[event.type])
