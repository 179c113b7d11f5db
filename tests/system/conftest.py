"""The real stack on free ports: broker, four services and the gateway as processes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from devstack.ports import free_port
from devstack.stack import NAMES, Stack
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[2]


class StackLog(io.StringIO):
    """Keeps the children's output so that a failing test can show it."""

    def tail(self, n: int = 80) -> str:
        return "".join(self.getvalue().splitlines(keepends=True)[-n:])

    def records(self, process: str) -> list[dict[str, Any]]:
        """The JSON log records one process printed (other lines skipped)."""
        found = []
        for line in self.getvalue().splitlines():
            name, _, rest = line.partition("|")
            if name.strip() != process:
                continue
            try:
                record = json.loads(rest.strip())
            except ValueError:
                continue
            if isinstance(record, dict):
                found.append(record)
        return found


@pytest.fixture(scope="session")
def stack_log() -> StackLog:
    """Everything the stack's processes printed (JSON lines, prefixed by process)."""
    return StackLog()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_log: StackLog) -> Iterator[Stack]:
    log = stack_log
    running = Stack(
        root=ROOT,
        data_dir=tmp_path_factory.mktemp("stack-data"),
        mail_dir=tmp_path_factory.mktemp("stack-mail"),
        ports={name: free_port() for name in NAMES},
        extra_env={
            "MEDIAOPS_ALLOW_PRIVATE_URLS": "true",
            "MEDIAOPS_LOG_FORMAT": "json",
            # The tests read the line each consumer writes for each event it applies.
            "MEDIAOPS_LOG_LEVEL": "DEBUG",
            "CHANNEL_DELIVERY_MAX_ATTEMPTS": "3",
            "CHANNEL_DELIVERY_BACKOFF_SECONDS": "0.1",
            # Work due by time (a retry after its backoff) is found at the tests' pace, not
            # after an idle poller's 10 s ceiling.
            "MEDIAOPS_IDLE_POLL_MAX_SECONDS": "0.3",
            # Every test signs up its own workspaces from 127.0.0.1.
            "GATEWAY_SIGNUP_LIMIT_PER_IP": "10000/hour",
            "GATEWAY_LOGIN_LIMIT_PER_IP": "10000/minute",
            "GATEWAY_OPERATOR_REQUEST_LIMIT": "1000000/minute",
            # The fuzzers invite many operators, from one workspace and to the same
            # generated addresses.
            "GATEWAY_INVITATION_LIMIT_PER_WORKSPACE": "10000/hour",
            "GATEWAY_INVITATION_LIMIT_PER_ADDRESS": "10000/hour",
        },
        output=log,
        color=False,
    )
    try:
        running.start()
    except Exception:
        print(log.tail())  # noqa: T201 - shown by pytest only when the start fails
        raise
    yield running
    running.stop()


class GatewayClient(httpx.AsyncClient):
    """A client of the stack's gateway that knows where the gateway writes its mail."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(base_url=stack.url("gateway"), timeout=15)
        self.mail_dir = stack.mail_dir


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with GatewayClient(stack) as client:
        yield client


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """A brand's webhook endpoint: records what it receives, answers a chosen status."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    status: int = 200

    def verify(self, delivery: Delivery, secret: str) -> bool:
        timestamp = delivery.headers["x-mediaops-timestamp"]
        expected = hmac.new(
            secret.encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(delivery.headers["x-mediaops-signature"], f"sha256={expected}")


@pytest.fixture(scope="session")
def webhook() -> Iterator[WebhookReceiver]:
    port = free_port()
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/hook")
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        receiver.deliveries.append(Delivery(dict(request.headers), await request.body()))
        return Response(status_code=receiver.status)

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    yield receiver
    server.should_exit = True
    thread.join(5)


async def eventually(check: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll `check` (async, returning a truthy value when done) until it succeeds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not done after {timeout} s; last result: {result!r}")
        await asyncio.sleep(interval)
