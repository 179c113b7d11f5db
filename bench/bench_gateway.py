"""What the gateway costs: proxied against direct requests per second, and the latency it
adds (p50/p99), for a small GET and a 100 kB POST.

Two upstreams: a bare ASGI function on uvicorn (it answers at once, so the figures are the
gateway's own cost, against the cheapest possible service), then the real content-svc of a
running stack (what callers of the API see). The gateway and the upstream run as their own
processes; the load comes from this one, through aiohttp.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from devstack.ports import free_port

from bench.common import (
    ROOT,
    as_the_gateway_sends,
    machine,
    percentile,
    running_stack,
    sign_up,
)

LATENCY_REQUESTS = 400
THROUGHPUT_REQUESTS = 2000
CONCURRENCY = 16
# Direct and proxied measured in alternating rounds (the machine is shared: a burst of
# other work then hits both sides alike); each figure is the median of its rounds.
ROUNDS = 3
TIMEOUT_SECONDS = 30.0
BIG_BODY = b"x" * 100_000


async def trivial_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The fastest honest upstream: reads the whole body, answers a few bytes of JSON."""
    if scope["type"] != "http":
        return
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = b'{"ok":true,"size":%d}' % size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, trust_env=False, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def _process(args: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=out)
        try:
            _wait_http(health)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def trivial_setup() -> Iterator[tuple[str, str, Path]]:
    """(gateway URL, upstream URL, the gateway's mail directory): the gateway routes
    /api/v1/posts to the trivial app."""
    with tempfile.TemporaryDirectory(prefix="mediaops-bench-gw-") as data:
        upstream_port, gateway_port = free_port(), free_port()
        upstream = f"http://127.0.0.1:{upstream_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        env = {
            "MEDIAOPS_DATA_DIR": data,
            "GATEWAY_MAIL_DIR": str(Path(data) / "mail"),
            "MEDIAOPS_LOG_LEVEL": "WARNING",
            "GATEWAY_PORT": str(gateway_port),
            "GATEWAY_CONTENT_URL": upstream,
            "GATEWAY_OPERATOR_REQUEST_LIMIT": "1000000/minute",
            "GATEWAY_LOGIN_LIMIT_PER_IP": "1000/minute",
        }
        uvicorn_args = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bench_gateway:trivial_app",
            "--port",
            str(upstream_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with (
            _process(uvicorn_args, {}, f"{upstream}/health", Path(data) / "upstream.log"),
            _process(
                [sys.executable, "-m", "gateway"],
                env,
                f"{gateway}/health",
                Path(data) / "gateway.log",
            ),
        ):
            yield gateway, upstream, Path(data) / "mail"


async def _token(gateway: str, mail_dir: Path) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=gateway, trust_env=False) as client:
        return await sign_up(client, mail_dir)


def _session() -> aiohttp.ClientSession:
    # The load generator is aiohttp: with httpx, the client itself saturated at ~450 req/s
    # here (it polls every pooled connection before each request), so both sides of a ratio
    # measured the client instead of the servers.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONCURRENCY),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        trust_env=False,
    )


async def _call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    async with session.request(method, url, headers=headers, data=body) as response:
        await response.read()
        response.raise_for_status()


async def _latencies(
    base: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> list[float]:
    async with _session() as session:
        for _ in range(50):
            await _call(session, method, base + path, headers, body)
        samples = []
        for _ in range(LATENCY_REQUESTS):
            started = time.perf_counter()
            await _call(session, method, base + path, headers, body)
            samples.append(time.perf_counter() - started)
        return samples


async def _throughput(
    base: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> float:
    async with _session() as session:
        for _ in range(50):
            await _call(session, method, base + path, headers, body)
        remaining = THROUGHPUT_REQUESTS

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await _call(session, method, base + path, headers, body)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return THROUGHPUT_REQUESTS / (time.perf_counter() - started)


def _compare(
    label: str,
    direct_lat: list[float],
    proxied_lat: list[float],
    direct_runs: list[float],
    proxied_runs: list[float],
) -> str:
    direct_rps = statistics.median(direct_runs)
    proxied_rps = statistics.median(proxied_runs)
    added_p50 = (percentile(proxied_lat, 50) - percentile(direct_lat, 50)) * 1000
    added_p99 = (percentile(proxied_lat, 99) - percentile(direct_lat, 99)) * 1000
    return (
        f"- {label}: direct {direct_rps:.0f} req/s, through the gateway {proxied_rps:.0f} "
        f"req/s: ratio **{proxied_rps / direct_rps:.2f}** (target ≥ 0.5); latency direct "
        f"p50 {percentile(direct_lat, 50) * 1000:.2f} ms / p99 "
        f"{percentile(direct_lat, 99) * 1000:.2f} ms, through the gateway p50 "
        f"{percentile(proxied_lat, 50) * 1000:.2f} ms / p99 "
        f"{percentile(proxied_lat, 99) * 1000:.2f} ms: added p50 **{added_p50:.2f} ms** "
        f"(target < 2 ms), added p99 {added_p99:.2f} ms"
    )


async def _rounds(
    direct: str,
    gateway: str,
    method: str,
    path: str,
    auth: dict[str, str],
    body: bytes | None,
    direct_auth: dict[str, str] | None = None,
) -> tuple[list[float], list[float], list[float], list[float]]:
    """`direct_auth`: what the upstream is sent directly (a real service accepts only the
    token the gateway would mint for it, not the operator's own)."""
    upstream_auth = direct_auth or auth
    direct_lat: list[float] = []
    proxied_lat: list[float] = []
    direct_runs: list[float] = []
    proxied_runs: list[float] = []
    for _ in range(ROUNDS):
        direct_lat += await _latencies(direct, method, path, upstream_auth, body)
        proxied_lat += await _latencies(gateway, method, path, auth, body)
        direct_runs.append(await _throughput(direct, method, path, upstream_auth, body))
        proxied_runs.append(await _throughput(gateway, method, path, auth, body))
    return direct_lat, proxied_lat, direct_runs, proxied_runs


async def _measure(gateway: str, upstream: str, mail_dir: Path) -> list[str]:
    auth = await _token(gateway, mail_dir)
    lines = []
    for label, method, body in (("small GET", "GET", None), ("100 kB POST", "POST", BIG_BODY)):
        measured = await _rounds(upstream, gateway, method, "/api/v1/posts/bench", auth, body)
        lines.append(_compare(f"bare ASGI upstream, {label}", *measured))
    return lines


async def _real_service(gateway: str, content: str, mail_dir: Path, key_dir: Path) -> str:
    async with httpx.AsyncClient(base_url=gateway, trust_env=False) as client:
        auth = await _token(gateway, mail_dir)
        post = await client.post(
            "/api/v1/posts", json={"title": "读我", "body_markdown": "正文"}, headers=auth
        )
        post.raise_for_status()
    path = f"/api/v1/posts/{post.json()['id']}"
    direct_auth = as_the_gateway_sends(key_dir, auth)
    measured = await _rounds(content, gateway, "GET", path, auth, None, direct_auth)
    return _compare("content-svc `GET /api/v1/posts/{id}` (SQLite), small GET", *measured)


def run() -> list[str]:
    with trivial_setup() as (gateway, upstream, mail_dir):
        trivial = asyncio.run(_measure(gateway, upstream, mail_dir))
    with running_stack({"GATEWAY_OPERATOR_REQUEST_LIMIT": "1000000/minute"}) as stack:
        real = asyncio.run(
            _real_service(
                stack.url("gateway"), stack.url("content"), stack.mail_dir, stack.data_dir / "keys"
            )
        )
    return [
        "## Gateway overhead (gateway and upstream in their own processes)",
        "",
        *trivial,
        real,
        "",
        f"{ROUNDS} alternating rounds (direct, then through the gateway, with the same client "
        f"settings and a 50-request warm-up each): {LATENCY_REQUESTS} sequential requests per "
        f"latency round (percentiles over all rounds); {THROUGHPUT_REQUESTS} requests, "
        f"{CONCURRENCY} concurrent, per throughput round (median of the rounds); an aiohttp "
        f"client on the same machine ({machine()}), which client, gateway and upstream share.",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
