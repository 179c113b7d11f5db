"""Tracked-link redirects per second with click recording on, against a bare redirect.

channel-svc runs for real (`python -m channel_svc serve`, uvicorn, SQLite, no broker: the
`link.clicked` events wait in the outbox, as they would while Kafka is down). The baseline
is a trivial FastAPI app answering the same 302, in its own uvicorn process. The same
httpx client and concurrency hit both, alternately, twice each. Afterwards channel-svc is
stopped with SIGTERM and the clicks in its database are counted: every redirect answered
must have become a click row and a `link.clicked` outbox row.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from devstack.ports import free_port
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from bench.common import ROOT

REQUESTS = 3000
CONCURRENCY = 16
ROUNDS = 2
LINKS = 20
TARGET = "https://shop.example.com/spring?ref=post"
LOCATION = f"{TARGET}&utm_source=zhihu&utm_medium=bench&utm_campaign=bench"

bare_app = FastAPI()


@bare_app.get("/l/{code}")
async def bare_redirect(code: str) -> RedirectResponse:
    return RedirectResponse(LOCATION, status_code=302, headers={"Cache-Control": "no-store"})


@contextmanager
def serving(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code in (200, 404):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{args} did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)  # a clean shutdown: queued clicks get written
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def seed(database: Path) -> list[str]:
    now = datetime.now(UTC).isoformat()
    codes = [uuid.uuid4().hex[:8] for _ in range(LINKS)]
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO tracked_links (id, code, workspace_id, post_id, channel_id, platform, "
            "campaign_id, target_url, target_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'zhihu', NULL, ?, ?, ?)",
            [
                (
                    str(uuid.uuid4()),
                    code,
                    str(uuid.uuid4()),
                    str(uuid.uuid4()),
                    str(uuid.uuid4()),
                    TARGET,
                    hashlib.sha256(f"{TARGET}{code}".encode()).hexdigest(),
                    now,
                )
                for code in codes
            ],
        )
    return codes


async def redirects_per_second(base_url: str, codes: list[str]) -> tuple[float, int]:
    """Redirects per second, and how many GETs were sent (warm-up included)."""
    sent = 0
    async with httpx.AsyncClient(
        base_url=base_url, limits=httpx.Limits(max_connections=CONCURRENCY)
    ) as client:

        async def follow(i: int) -> None:
            nonlocal sent
            sent += 1
            response = await client.get(f"/l/{codes[i % len(codes)]}")
            if response.status_code != 302:
                raise RuntimeError(f"{base_url}: {response.status_code} {response.text[:200]}")

        for i in range(100):  # warm-up
            await follow(i)
        remaining = REQUESTS

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await follow(remaining)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return REQUESTS / (time.perf_counter() - started), sent


def run() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="mediaops-bench-links-") as data:
        database = Path(data) / "channel.db"
        env = {
            **os.environ,
            "CHANNEL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "MEDIAOPS_DATA_DIR": data,
            "MEDIAOPS_LOG_LEVEL": "WARNING",
            # No broker: the relay waits and the events stay in the outbox.
            "MEDIAOPS_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",
        }
        subprocess.run(
            [sys.executable, "-m", "channel_svc", "migrate"], cwd=ROOT, env=env, check=True
        )
        codes = seed(database)
        channel_port, bare_port = free_port(), free_port()
        bare_args = ["-m", "uvicorn", "bench.bench_links:bare_app", "--port", str(bare_port)]
        bare_args += ["--log-level", "warning", "--no-access-log"]
        tracked: list[float] = []
        bare: list[float] = []
        sent = 0
        with (
            serving(
                ["-m", "channel_svc", "serve"],
                {**env, "CHANNEL_PORT": str(channel_port)},
                channel_port,
            ) as channel_url,
            serving(bare_args, env, bare_port) as bare_url,
        ):
            for _ in range(ROUNDS):
                rate, _ = asyncio.run(redirects_per_second(bare_url, codes))
                bare.append(rate)
                rate, count = asyncio.run(redirects_per_second(channel_url, codes))
                tracked.append(rate)
                sent += count
        with sqlite3.connect(database) as conn:
            clicks = conn.execute("SELECT count(*) FROM clicks").fetchone()[0]
            events = conn.execute(
                "SELECT count(*) FROM outbox_messages WHERE topic = 'link.clicked'"
            ).fetchone()[0]
    tracked_rate = sum(tracked) / len(tracked)
    bare_rate = sum(bare) / len(bare)
    return [
        "## Tracked-link redirects (`GET /l/{code}`, click recording on, SQLite)",
        "",
        f"- channel-svc: {tracked_rate:.0f} redirects/s; bare FastAPI 302: {bare_rate:.0f}/s; "
        f"ratio {tracked_rate / bare_rate:.2f} (target ≥ 0.5); {REQUESTS} requests × "
        f"{ROUNDS} rounds each, {CONCURRENCY} concurrent, {LINKS} links, httpx client and "
        "both servers (uvicorn, one process each) on the same machine",
        f"- clicks recorded after a clean stop: {clicks} rows and {events} `link.clicked` "
        f"outbox rows for {sent} redirects answered",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
