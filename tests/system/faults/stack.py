"""A stack of the fault test's own (its own data dir and ports), the WeChat fake, a webhook."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from devstack.ports import free_port
from devstack.stack import NAMES, Stack
from fastapi import FastAPI, Request, Response

from tests.fakes.server import RunningServer, serve_in_thread
from tests.fakes.wechat import WechatFake, create_app
from tests.system.conftest import Delivery, StackLog, WebhookReceiver

ROOT = Path(__file__).resolve().parents[3]

ENV = {
    "MEDIAOPS_ALLOW_PRIVATE_URLS": "true",
    "MEDIAOPS_LOG_FORMAT": "json",
    # The tests read the line each consumer writes for each event it applies.
    "MEDIAOPS_LOG_LEVEL": "DEBUG",
    "GATEWAY_SIGNUP_LIMIT_PER_IP": "10000/hour",
    "GATEWAY_LOGIN_LIMIT_PER_IP": "10000/minute",
    "GATEWAY_OPERATOR_REQUEST_LIMIT": "1000000/minute",
    # Enough attempts to ride out the injected 5xx; short waits so the test settles fast.
    "CHANNEL_DELIVERY_MAX_ATTEMPTS": "8",
    "CHANNEL_DELIVERY_BACKOFF_SECONDS": "0.1",
    "CHANNEL_DELIVERY_BACKOFF_MAX_SECONDS": "1",
    "CHANNEL_DELIVERY_POLL_SECONDS": "0.3",
    "CHANNEL_CONFIRM_POLL_SECONDS": "0.3",
    "CHANNEL_CONFIRM_POLL_MAX_SECONDS": "1",
    "CHANNEL_API_TIMEOUT_SECONDS": "5",
    # What the killed channel-svc was sending is taken back when its lease runs out.
    "CHANNEL_DELIVERY_LEASE_SECONDS": "2",
    "MEDIAOPS_OUTBOX_POLL_SECONDS": "0.3",
    # Pollers keep that pace while idle: a dead replica's lease is noticed at once.
    "MEDIAOPS_IDLE_POLL_MAX_SECONDS": "0.3",
}


@dataclass
class FaultRig:
    stack: Stack
    log: StackLog
    wechat: WechatFake
    wechat_server: RunningServer
    webhook: WebhookReceiver


def _webhook() -> tuple[WebhookReceiver, uvicorn.Server, threading.Thread]:
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
    return receiver, server, thread


@contextmanager
def fault_rig(data_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[FaultRig]:
    """The stack with the fakes; `env` adds to (or overrides) the fault settings."""
    log = StackLog()
    wechat = WechatFake()
    wechat_server = serve_in_thread(create_app(wechat))
    receiver, hook_server, hook_thread = _webhook()
    stack = Stack(
        root=ROOT,
        data_dir=data_dir,
        ports={name: free_port() for name in NAMES},
        extra_env={**ENV, **(env or {})},
        output=log,
        color=False,
    )
    try:
        try:
            stack.start()
        except Exception:
            print(log.tail())  # noqa: T201 - shown by pytest only when the start fails
            raise
        yield FaultRig(stack, log, wechat, wechat_server, receiver)
    finally:
        stack.stop()
        wechat_server.stop()
        hook_server.should_exit = True
        hook_thread.join(5)
