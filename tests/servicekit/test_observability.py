"""What ops engineers read: /metrics in the Prometheus format on its own port, traces
carried by events."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from devstack.ports import free_port
from event_contracts import CloudEvent
from fastapi import APIRouter
from prometheus_client.parser import text_string_to_metric_families
from servicekit.auth import CurrentCaller
from servicekit.metrics import serve_metrics
from servicekit.outbox import add_event
from servicekit.runtime import DbSession, ServiceRuntime, build_app
from servicekit.settings import SharedSettings
from sqlalchemy import select

from tests.servicekit.kit_models import (
    Base,
    KitSettings,
    OutboxMessage,
    kit_runtime,
)
from tests.servicekit.test_outbox_and_consumer import post_event

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"

UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def kit_router() -> APIRouter:
    router = APIRouter()

    @router.post("/things/{thing_id}")
    async def publish_thing(
        thing_id: str, session: DbSession, caller: CurrentCaller
    ) -> dict[str, str]:
        event = post_event(f"thing {thing_id}")
        add_event(session, OutboxMessage, event)
        return {"event_id": event.id}

    return router


@pytest.fixture
async def client(
    database_url: str, shared_settings: SharedSettings
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    runtime = kit_runtime(KitSettings(database_url=database_url, shared=shared_settings))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    app = build_app(runtime, [kit_router()], title="kit", configure_logs=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c, runtime
    await runtime.db.dispose()


def samples(text: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


@pytest.fixture(scope="session")
def metrics_url() -> str:
    """The process's metrics endpoint, served once per test process like an app's."""
    port = free_port()
    serve_metrics("127.0.0.1", port)
    return f"http://127.0.0.1:{port}/metrics"


async def test_metrics_count_requests_by_route_template_and_outbox_backlog(
    client: tuple[httpx.AsyncClient, ServiceRuntime], signer: Any, metrics_url: str
) -> None:
    http, runtime = client
    for _ in range(3):
        response = await http.post(f"/api/v1/things/{uuid.uuid4()}", headers=signer.headers())
        assert response.status_code == 200
    await runtime.refresh_metrics()  # the background job's work, done now
    async with httpx.AsyncClient() as scraper:
        scraped = await scraper.get(metrics_url)
    assert scraped.headers["content-type"].startswith("text/plain")
    assert (await http.get("/metrics")).status_code == 404  # never on the API's port
    found = samples(scraped.text)
    routes = {
        s.labels["route"]
        for s in found["mediaops_http_requests_total"]
        if s.labels["method"] == "POST"
    }
    assert "/api/v1/things/{thing_id}" in routes
    # Never an id (other tests of this process may have counted other templates).
    assert not any(UUID_IN_PATH.search(route) for route in routes)
    # Nothing relays in this test, so the three events wait in the outbox.
    assert found["mediaops_outbox_waiting_events"][0].value == 3
    assert found["mediaops_outbox_oldest_age_seconds"][0].value >= 0


async def test_an_event_written_during_a_request_carries_the_callers_trace(
    client: tuple[httpx.AsyncClient, ServiceRuntime], signer: Any
) -> None:
    http, runtime = client
    response = await http.post(
        "/api/v1/things/1", headers={**signer.headers(), "traceparent": TRACEPARENT}
    )
    event_id = response.json()["event_id"]
    async with runtime.db.transaction() as session:
        value = await session.scalar(
            select(OutboxMessage.value).where(OutboxMessage.event_id == event_id)
        )
    assert value is not None
    event = CloudEvent.from_bytes(value)
    assert event.traceparent is not None
    assert event.traceparent.split("-")[1] == TRACE_ID
