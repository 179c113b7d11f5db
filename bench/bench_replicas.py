"""Replicas on PostgreSQL: two processes each of content-svc and channel-svc on the same
databases deliver every post to every channel exactly once, and how fast against one each.

1,000 posts are published to 3 webhook channels (3,000 deliveries). The stack runs on
PostgreSQL and the embedded broker; with replicas, a second content-svc and a second
channel-svc join it: both content-svc relay the same outbox and consume the same topics
in one consumer group, both channel-svc claim distributions from the same table. The
publish calls go straight to content-svc (with the token the gateway mints), alternating
between its processes, 8 at a time. A receiver counts what arrives by its delivery id:
3,000 distinct, none twice, and the same number of distributions `succeeded` in
channel-svc's database. Throughput is deliveries a second from the first publish to the
last delivery, against the same with one process each, in the same run.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx
from devstack.ports import free_port
from devstack.processes import signal_group
from devstack.stack import PORT_ENV, Stack
from fastapi import FastAPI, Request, Response
from sqlalchemy.engine import make_url

from bench.common import (
    as_the_gateway_sends,
    postgres_databases,
    running_stack,
    serving,
    sign_up,
    webhook_channel,
)

POSTS = int(os.environ.get("MEDIAOPS_BENCH_REPLICA_POSTS", "1000"))
CHANNELS = 3
CONCURRENCY = 8
REPLICATED = ("content", "channel")
SETTLE_SECONDS = 3.0  # after the last expected delivery: time for a second one to show
DELIVERY_HEADER = "x-mediaops-delivery"
# A webhook channel takes 20 sends a second: the figure is the pipeline's, not the limit's.
NO_SEND_LIMITS = {"CHANNEL_RATE_LIMITS": "false"}


@dataclass
class Receiver:
    """Counts deliveries by id; `complete` is set once `expected` distinct ids arrived."""

    expected: int
    seen: Counter[str] = field(default_factory=Counter)
    last_at: float = 0.0
    complete: threading.Event = field(default_factory=threading.Event)

    def record(self, delivery_id: str) -> None:
        self.seen[delivery_id] += 1
        self.last_at = time.perf_counter()
        if len(self.seen) >= self.expected:
            self.complete.set()


@contextmanager
def receiving(expected: int) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(expected)
    app = FastAPI()

    @app.post("/hook/{channel}")
    async def hook(request: Request) -> Response:
        receiver.record(request.headers.get(DELIVERY_HEADER, "missing"))
        return Response(status_code=204)

    with serving(app) as url:
        yield receiver, f"{url}/hook"


@contextmanager
def replica(stack: Stack, name: str, log: IO[str]) -> Iterator[str]:
    """One more process of service `name`, as the stack starts it but on ports of its own;
    its URL once it is ready."""
    port = free_port()
    env = {**stack.env_for(name), PORT_ENV[name]: str(port)}
    env[PORT_ENV[name].replace("_PORT", "_METRICS_PORT")] = str(free_port())
    process = subprocess.Popen(
        stack.argv_for(name),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the second {name} exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the second {name} was not ready within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        signal_group(process, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait(5)


async def _prepare(
    gateway: str, hook_url: str, mail_dir: Path
) -> tuple[dict[str, str], list[str], list[str]]:
    """An operator, 3 webhook channels and the posts: the auth header, channel ids, post ids."""
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        auth = await sign_up(client, mail_dir)
        channels = []
        for n in range(CHANNELS):
            channels.append(await webhook_channel(client, auth, f"{hook_url}/{n}", f"sink {n}"))
        gate = asyncio.Semaphore(CONCURRENCY)

        async def create(n: int) -> str:
            async with gate:
                post = await client.post(
                    "/api/v1/posts",
                    json={"title": f"第 {n} 篇", "body_markdown": "春季新品上市。" * 20},
                    headers=auth,
                )
                post.raise_for_status()
                return str(post.json()["id"])

        posts = await asyncio.gather(*(create(n) for n in range(POSTS)))
    return auth, channels, list(posts)


async def _publish(
    content_urls: list[str], headers: dict[str, str], channels: list[str], posts: list[str]
) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in content_urls]
    try:

        async def publish(n: int, post_id: str) -> None:
            async with gate:
                client = clients[n % len(clients)]
                answer = await client.post(
                    f"/api/v1/posts/{post_id}/publish",
                    json={"channel_ids": channels},
                    headers=headers,
                )
                answer.raise_for_status()

        await asyncio.gather(*(publish(n, post_id) for n, post_id in enumerate(posts)))
    finally:
        for client in clients:
            await client.aclose()


async def _succeeded(channel_database_url: str) -> dict[str, int]:
    dsn = make_url(channel_database_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        rows = await connection.fetch("SELECT status, count(*) FROM distributions GROUP BY status")
    finally:
        await connection.close()
    return {row["status"]: int(row["count"]) for row in rows}


@dataclass(frozen=True)
class Measured:
    processes: int
    seconds: float
    publish_seconds: float  # until the last publish call answered
    distinct: int
    twice: int
    statuses: dict[str, int]

    @property
    def rate(self) -> float:
        return self.distinct / self.seconds


def _measure(processes: int) -> Measured:
    expected = POSTS * CHANNELS
    with postgres_databases("bench_replicas") as urls:
        if not urls:
            raise RuntimeError("PostgreSQL is not reachable")
        with (
            receiving(expected) as (receiver, hook_url),
            running_stack({**urls, **NO_SEND_LIMITS}) as stack,
            open(stack.data_dir / "replicas.log", "a") as log,
            ExitStack() as replicas,
        ):
            return _measured(processes, urls, receiver, hook_url, stack, log, replicas)


def _measured(
    processes: int,
    urls: dict[str, str],
    receiver: Receiver,
    hook_url: str,
    stack: Stack,
    log: IO[str],
    replicas: ExitStack,
) -> Measured:
    expected = POSTS * CHANNELS
    content_urls = [stack.url("content")]
    if processes > 1:  # started first: their consumer groups settle while posts are made
        content_urls.append(replicas.enter_context(replica(stack, "content", log)))
        replicas.enter_context(replica(stack, "channel", log))
    auth, channels, posts = asyncio.run(_prepare(stack.url("gateway"), hook_url, stack.mail_dir))
    headers = as_the_gateway_sends(stack.data_dir / "keys", auth)
    started = time.perf_counter()
    asyncio.run(_publish(content_urls, headers, channels, posts))
    published = time.perf_counter() - started
    if not receiver.complete.wait(300):
        raise RuntimeError(f"only {len(receiver.seen)} of {expected} deliveries in 300 s")
    seconds = receiver.last_at - started
    time.sleep(SETTLE_SECONDS)  # a delivery made twice would show by now
    statuses = asyncio.run(_succeeded(urls["CHANNEL_DATABASE_URL"]))
    twice = sum(1 for count in receiver.seen.values() if count > 1)
    return Measured(processes, seconds, published, len(receiver.seen), twice, statuses)


def run() -> list[str]:
    one, two = _measure(1), _measure(2)
    expected = POSTS * CHANNELS
    lines = [
        "## Replicas: two content-svc and two channel-svc on PostgreSQL",
        "",
    ]
    for measured in (one, two):
        verdict = (
            "exactly once"
            if measured.distinct == expected and measured.twice == 0
            else f"**not exactly once**: {measured.distinct} distinct, {measured.twice} twice"
        )
        lines.append(
            f"- {measured.processes} process(es) each: {measured.distinct:,} deliveries of "
            f"{expected:,} ({verdict}); distributions by status {measured.statuses}; "
            f"{measured.rate:,.0f} deliveries/s ({measured.seconds:.1f} s from the first "
            f"publish to the last delivery; the publish calls took "
            f"{measured.publish_seconds:.1f} s)"
        )
    lines += [
        f"- two processes each against one: ratio **{two.rate / one.rate:.2f}**",
        "",
        f"{POSTS:,} posts published to {CHANNELS} webhook channels, {CONCURRENCY} publish calls "
        "at a time straight to content-svc (alternating between its processes), a receiver on "
        "the same machine counting deliveries by their id; the services' databases are fresh "
        "PostgreSQL databases on one server, the broker the embedded one. On 2 cores a second "
        "process of each adds no CPU: the ratio says what replicas cost or give on one machine, "
        "the counts that they neither lose nor repeat a delivery.",
        "",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
