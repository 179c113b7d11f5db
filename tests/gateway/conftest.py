"""Gateway fixtures: `make_gateway` (a running gateway on a migrated database with its own key
dir) and `upstream` (a real HTTP server standing in for content-svc)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from devstack.ports import free_port
from gateway.__main__ import MIGRATIONS
from gateway.app import create_app
from gateway.settings import Settings
from servicekit.migrations import upgrade
from servicekit.settings import SharedSettings

from tests.gateway.gateway_harness import Gateway, GatewayFactory, Upstream, upstream_app

UPSTREAMS = ("content", "channel", "user", "metrics")


def closed_url(held: ExitStack) -> str:
    """An address where nothing answers, whatever runs on this machine (a `make run` stack on
    the default ports): a port bound, never listened on, and held until `held` closes, so
    that no one else can take it meanwhile. Connecting to it is refused at once."""
    bound = held.enter_context(socket.socket())
    bound.bind(("127.0.0.1", 0))
    return f"http://127.0.0.1:{bound.getsockname()[1]}"


@pytest.fixture
def make_gateway(tmp_path: Path) -> GatewayFactory:
    """`async with make_gateway(database_url=..., content_url=...) as gw:` a running gateway.
    The services not given a URL are at addresses where nothing answers, never at the
    default ports."""

    @asynccontextmanager
    async def running(migrate: bool = True, **overrides: Any) -> AsyncIterator[Gateway]:
        with ExitStack() as held:
            values: dict[str, Any] = {
                "database_url": f"sqlite+aiosqlite:///{tmp_path}/gateway.db",
                "jwt_key_dir": tmp_path / "keys",
                "shared": SharedSettings(environment="test", data_dir=tmp_path),
                **{f"{name}_url": closed_url(held) for name in UPSTREAMS},
                # No broker here: tests apply events through `runtime.consumer` themselves.
                "consume_events": False,
                **overrides,
            }
            settings = Settings(**values)
            if migrate:
                await asyncio.to_thread(upgrade, MIGRATIONS, settings.database_url)
            app = create_app(settings, configure_logs=False)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
                ) as client,
            ):
                yield Gateway(app=app, client=client, settings=settings)

    return running


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    port = free_port()
    instance = Upstream(url=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(
        upstream_app(instance),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield instance
    server.should_exit = True
    await task
