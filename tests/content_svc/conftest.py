"""content-svc under test: a runtime on the test database, an HTTP client, factories.

The app runs in-process over `httpx.ASGITransport`; its background parts (outbox relay,
consumers) are not started, so tests apply events through `runtime.consumer.apply`. By
default channel-svc points at a closed port: a test that needs it starts a stand-in.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from content_svc.app import create_app, create_runtime
from content_svc.consumers import HANDLERS
from content_svc.models import Base
from content_svc.settings import Settings
from devstack.ports import free_port
from servicekit.runtime import ServiceRuntime
from servicekit.settings import SharedSettings

from tests.content_svc.factories import (
    ChannelFactory,
    ChannelServiceStandIn,
    PostFactory,
    Workspace,
    channel_changed,
)
from tests.content_svc.feeds import FeedServer, serving


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    """A local feed server; tests put documents on it by path."""
    async with serving(FeedServer()) as server:
        yield server


@pytest.fixture
def channel_svc_url() -> str:
    """Where channel-svc is: nowhere, unless a test module overrides this fixture."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def metrics_svc_url() -> str:
    """Where metrics-svc is: nowhere, unless a test module overrides this fixture."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def runtime(
    database_url: str, shared_settings: SharedSettings, channel_svc_url: str, metrics_svc_url: str
) -> AsyncIterator[ServiceRuntime]:
    settings = Settings(
        database_url=database_url,
        shared=shared_settings,
        channel_svc_url=channel_svc_url,
        # Stand-ins answer from a thread of the test's process, which a loaded machine
        # can keep from the GIL for a while; the slow stand-in outlasts this.
        channel_lookup_timeout_seconds=2.0,
        metrics_svc_url=metrics_svc_url,
        feed_timeout_seconds=2.0,
        feed_max_bytes=1_000_000,
    )
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def client(runtime: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://content-svc") as client:
        yield client


@pytest.fixture
def workspace(signer: Any) -> Workspace:
    return Workspace(id=str(uuid.uuid4()), signer=signer)


@pytest.fixture
def other_workspace(signer: Any) -> Workspace:
    return Workspace(id=str(uuid.uuid4()), signer=signer)


@pytest.fixture
def create_post(client: httpx.AsyncClient, workspace: Workspace) -> PostFactory:
    """Write a draft through the API (as an editor of `workspace` unless told otherwise)."""

    async def create(ws: Workspace | None = None, **fields: Any) -> dict[str, Any]:
        body = {"title": "春季新品发布会回顾", "body_markdown": "# 回顾\n\n感谢大家的参与！"}
        body.update(fields)
        response = await client.post(
            "/api/v1/posts", json=body, headers=(ws or workspace).headers("editor")
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create


@pytest.fixture
def known_channel(runtime: ServiceRuntime, workspace: Workspace) -> ChannelFactory:
    """Teach content-svc a channel the way channel-svc does: a `channel.changed` event."""

    async def remember(ws: Workspace | None = None, **kwargs: Any) -> str:
        event = channel_changed((ws or workspace).id, **kwargs)
        assert await runtime.consumer.apply(event, HANDLERS["channel.changed"])
        return str(event.subject)

    return remember


@pytest.fixture
async def channel_service() -> AsyncIterator[ChannelServiceStandIn]:
    """A channel-svc stand-in served by uvicorn on a free port."""
    stand_in = ChannelServiceStandIn()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(stand_in.app(), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the channel-svc stand-in did not start"
        await asyncio.sleep(0.01)
    stand_in.url = f"http://127.0.0.1:{port}"
    yield stand_in
    server.should_exit = True
    await task
