"""Run an ASGI app on uvicorn in a background thread, on a free port of 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from devstack.ports import free_port


@dataclass
class RunningServer:
    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def serve_in_thread(app: Any, *, port: int | None = None, timeout: float = 10.0) -> RunningServer:
    """Start `app` and return once it accepts connections; `stop()` ends it."""
    port = port or free_port()
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

    def run() -> None:
        asyncio.run(server.serve())

    thread = threading.Thread(target=run, name=f"fake-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the fake on port {port} did not start")
        time.sleep(0.01)
    return RunningServer(url=f"http://127.0.0.1:{port}", port=port, server=server, thread=thread)
