"""channel-svc fixtures: a runtime on each database, an API client, a real webhook receiver."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from channel_svc.app import create_app, create_runtime
from channel_svc.models import Base, OutboxMessage
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from devstack.ports import free_port
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.settings import SharedSettings
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import Signer
from tests.fakes.media_files import MediaFiles
from tests.fakes.media_files import create_app as create_media_files
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.weibo import WeiboFake
from tests.fakes.weibo import create_app as create_weibo

SECRET = "s3cret-signing-key-0123456789"


@pytest.fixture
def workspace_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def settings_for(database_url: str, shared_settings: SharedSettings) -> Callable[..., Settings]:
    """Settings on the test database with fast retries; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "shared": shared_settings,
            "delivery_backoff_seconds": 0.01,
            "delivery_poll_seconds": 0.05,
            "delivery_max_attempts": 3,
            "answer_backoff_seconds": 0.0,
            # The fakes and the webhook receiver answer from a thread of the test's
            # process: on a loaded machine (CI runs four workers on two cores) a call can
            # wait seconds for the GIL. A test of a timeout sets its own, shorter one.
            "webhook_timeout_seconds": 30.0,
            "api_timeout_seconds": 30.0,
            "confirm_poll_seconds": 0.02,
            "confirm_poll_max_seconds": 0.1,
            "watch_interval_seconds": 0.05,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def runtime(settings_for: Callable[..., Settings]) -> AsyncIterator[ChannelRuntime]:
    runtime = create_runtime(settings_for())
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def client(runtime: ChannelRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://channel"
    ) as client:
        yield client


@pytest.fixture
def editor(signer: Signer, workspace_id: str) -> dict[str, str]:
    return signer.headers(workspace_id=workspace_id, roles=("editor",))


@pytest.fixture
async def worker(runtime: ChannelRuntime) -> AsyncIterator[ChannelRuntime]:
    """The runtime with its delivery worker running (not the Kafka parts)."""
    task = asyncio.create_task(runtime.worker.run())
    yield runtime
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def slow_polls(
    runtime: ChannelRuntime, settings_for: Callable[..., Settings]
) -> AsyncIterator[tuple[ChannelRuntime, httpx.AsyncClient]]:
    """A runtime whose first poll of a submitted publish (or mass send) is an hour away, on
    the database of `runtime` (which made its tables), and its API client."""
    slow = create_runtime(settings_for(confirm_poll_seconds=3600.0))
    transport = httpx.ASGITransport(app=create_app(slow))
    async with httpx.AsyncClient(transport=transport, base_url="http://channel") as client:
        yield slow, client
    await slow.db.dispose()


# -- a webhook receiver on a real port ------------------------------------------------------


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records what it receives; answers each request with the next of `statuses`."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    answer: dict[str, Any] = field(default_factory=dict)
    received: list[Delivery] = field(default_factory=list)
    delay_seconds: float = 0.0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hook")

    async def hook(request: Request) -> Response:
        state.received.append(Delivery(dict(request.headers), await request.body()))
        state.arrived.set()
        if state.delay_seconds:
            await asyncio.sleep(state.delay_seconds)
        status = state.next_status()
        if 300 <= status < 400:
            return Response(status_code=status, headers={"Location": "http://127.0.0.1:1/"})
        return JSONResponse(state.answer, status_code=status)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            ws="none",
            log_config=None,
            log_level="warning",
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    yield state
    server.should_exit = True
    await task


# -- the platform fakes on real ports --------------------------------------------------------

WECHAT_APPID = "wx0123456789abcdef"
WECHAT_SECRET = "0123456789abcdef0123456789abcdef"
WEIBO_UID = "1234567890"
WEIBO_TOKEN = "2.00weibo-token-0123456789"


@pytest.fixture
def wechat() -> Iterator[tuple[WechatFake, str]]:
    """The WeChat fake with one account, and its base URL."""
    fake = WechatFake()
    fake.add_account(WECHAT_APPID, WECHAT_SECRET)
    running = serve_in_thread(create_wechat(fake))
    yield fake, running.url
    running.stop()


@pytest.fixture
def media_files() -> Iterator[MediaFiles]:
    """Files behind signed links, as content-svc's library serves them to channels."""
    files = MediaFiles()
    running = serve_in_thread(create_media_files(files))
    files.base_url = running.url
    yield files
    running.stop()


@pytest.fixture
def weibo() -> Iterator[tuple[WeiboFake, str]]:
    """The Weibo fake (safe domain example.com) with one user, and its base URL."""
    fake = WeiboFake(safe_domain="example.com")
    fake.add_user(WEIBO_UID, WEIBO_TOKEN, refresh_token="2.00refresh-0123456789")
    running = serve_in_thread(create_weibo(fake))
    yield fake, running.url
    running.stop()


# -- events and factories ---------------------------------------------------------------------


def published(
    workspace_id: str, channel_ids: list[str], *, post_id: str | None = None, **fields: Any
) -> CloudEvent:
    values: dict[str, Any] = {
        "post_id": post_id or str(uuid.uuid4()),
        "workspace_id": workspace_id,
        "version": 1,
        "title": "春季新品发布会回顾",
        "body_markdown": "# Spring launch\n\nThanks for coming!",
        "body_html": "<h1>Spring launch</h1><p>Thanks for coming!</p>",
        "tags": ["launch"],
        "keywords": ["spring"],
        "channel_ids": channel_ids,
        "author_id": str(uuid.uuid4()),
        "published_at": datetime.now(UTC),
        **fields,
    }
    post = PostPublishedV1(**values)
    return CloudEvent.create("post.published", "/content-svc", post.post_id, workspace_id, post)


async def create_channel(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "platform": "webhook",
        "name": "Partner CMS",
        "config": {"url": url},
        "secret": SECRET,
        **overrides,
    }
    response = await client.post("/api/v1/channels", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def outbox_events(runtime: ChannelRuntime, topic: str) -> list[dict[str, Any]]:
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        )
        return [json.loads(row.value) for row in rows]
