"""The gateway and the real service apps, each served by uvicorn on a free port inside the
test's event loop: real HTTP between them, the services verifying the gateway's tokens
from its JWKS URL (as in production), migrated SQLite databases, the test broker."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import uvicorn
from devstack.ports import free_port
from fastapi import FastAPI
from gateway.__main__ import MIGRATIONS as GATEWAY_MIGRATIONS
from gateway.app import create_app as create_gateway
from gateway.settings import Settings as GatewaySettings
from servicekit.migrations import upgrade
from servicekit.settings import SharedSettings

SERVICES = ("content", "channel", "user", "metrics")


@asynccontextmanager
async def serve(
    app: FastAPI, port: int, *, lifespan: Literal["auto", "on", "off"] = "on"
) -> AsyncIterator[None]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"the app on port {port} stopped while starting")
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@dataclass
class Platform:
    gateway_url: str
    gateway: FastAPI
    settings: GatewaySettings
    services: dict[str, str] = field(default_factory=dict)  # name -> URL
    apps: dict[str, FastAPI] = field(default_factory=dict)


def _service_app(
    name: str, data_dir: Path, shared: SharedSettings, peers: dict[str, str]
) -> FastAPI:
    package = f"{name}_svc"
    settings_cls: Any = importlib.import_module(f"{package}.settings").Settings
    migrations: Path = importlib.import_module(f"{package}.__main__").MIGRATIONS
    app_module: Any = importlib.import_module(f"{package}.app")
    # A service that calls another (`channel_svc_url`) is pointed at the one running here.
    links = {
        f"{peer}_svc_url": url
        for peer, url in peers.items()
        if f"{peer}_svc_url" in settings_cls.model_fields
    }
    settings = settings_cls(
        database_url=f"sqlite+aiosqlite:///{data_dir}/{name}.db", shared=shared, **links
    )
    upgrade(migrations, settings.database_url)
    app: FastAPI = app_module.create_app(app_module.create_runtime(settings))
    return app


@asynccontextmanager
async def running_platform(
    data_dir: Path,
    bootstrap: str,
    *,
    services: tuple[str, ...] = SERVICES,
    **gateway_overrides: Any,
) -> AsyncIterator[Platform]:
    gateway_port = free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    ports = {name: free_port() for name in services}
    shared = SharedSettings(
        environment="test",
        data_dir=data_dir,
        kafka_bootstrap=bootstrap,
        jwks_url=f"{gateway_url}/.well-known/jwks.json",
        allow_private_urls=True,
        outbox_poll_seconds=0.2,
        idle_poll_max_seconds=0.2,
        consumer_retry_backoff_seconds=0.01,
        log_level="WARNING",
    )
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{data_dir}/gateway.db",
        "jwt_key_dir": data_dir / "keys",
        "shared": shared,
        "operator_request_limit": "100000/minute",
        "api_key_request_limit": "100000/minute",
        "login_limit_per_ip": "100000/minute",
        "signup_limit_per_ip": "100000/minute",
        **{f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items()},
        **gateway_overrides,
    }
    settings = GatewaySettings(**values)
    await asyncio.to_thread(upgrade, GATEWAY_MIGRATIONS, settings.database_url)
    gateway = create_gateway(settings, configure_logs=False)
    platform = Platform(gateway_url=gateway_url, gateway=gateway, settings=settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(serve(gateway, gateway_port))
        for name, port in ports.items():
            service_dir = data_dir / name
            service_dir.mkdir(exist_ok=True)
            shared_here = shared.model_copy(update={"data_dir": service_dir})
            peers = {peer: f"http://127.0.0.1:{port}" for peer, port in ports.items()}
            app = await asyncio.to_thread(_service_app, name, data_dir, shared_here, peers)
            await stack.enter_async_context(serve(app, port))
            platform.services[f"{name}-svc"] = f"http://127.0.0.1:{port}"
            platform.apps[f"{name}-svc"] = app
        yield platform
