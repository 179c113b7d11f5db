"""What the benchmarks share: the stack on free ports, a webhook sink, figures."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import jwt
from devstack.ports import free_port
from devstack.stack import NAMES, Stack
from fastapi import FastAPI, Response
from gateway.identity.mails import signup_token
from gateway.identity.signing_keys import KeyRing
from gateway.mail.mailbox import message_names, newest_message
from gateway.proxy.tokens import UpstreamTokens
from gateway.settings import Settings as GatewaySettings
from servicekit.auth import Caller
from servicekit.db import Database
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.fakes.server import serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "MEDIAOPS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Each service's database setting (`<PREFIX>_DATABASE_URL`) and the name its database gets.
SERVICE_DATABASES = {
    "CONTENT": "content",
    "CHANNEL": "channel",
    "USER": "users",
    "METRICS": "metrics",
}
PASSWORD = "correct horse battery 9"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms, "
        f"mean {statistics.fmean(values) * 1000:.1f} ms (n={len(values)})"
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {system}, Python {platform.python_version()}"


@contextmanager
def running_stack(extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    with tempfile.TemporaryDirectory(prefix="mediaops-bench-") as data:
        # MEDIAOPS_BENCH_STACK_LOG keeps the services' log (at WARNING) for reading after.
        log = open(os.environ.get("MEDIAOPS_BENCH_STACK_LOG") or Path(data) / "stack.log", "a")
        stack = Stack(
            root=ROOT,
            data_dir=data,
            ports={name: free_port() for name in NAMES},
            extra_env={
                "MEDIAOPS_ALLOW_PRIVATE_URLS": "true",
                "MEDIAOPS_LOG_LEVEL": "WARNING",
                # The benchmarks measure throughput, not the abuse limits.
                "GATEWAY_SIGNUP_LIMIT_PER_IP": "100000/hour",
                "GATEWAY_LOGIN_LIMIT_PER_IP": "100000/minute",
                "GATEWAY_OPERATOR_REQUEST_LIMIT": "100000000/minute",
                "GATEWAY_API_KEY_REQUEST_LIMIT": "100000000/minute",
                "GATEWAY_LINK_LIMIT_PER_IP": "100000000/minute",
                "GATEWAY_FEED_LIMIT_PER_IP": "100000000/minute",
                **(extra_env or {}),
            },
            output=log,
            color=False,
        )
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()
            log.close()


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """`app` on uvicorn in a thread of this process, on a free port: its base URL."""
    running = serve_in_thread(app)
    try:
        yield running.url
    finally:
        running.stop()


def beside_bare(app: ASGIApp, bare: FastAPI, db: Database) -> ASGIApp:
    """One ASGI app serving `bare` under `/bare/` (outside `app`'s middleware: the same
    server, nothing else) and `app` elsewhere; `POST /bare/dispose` closes `db`'s
    connections on the server's own loop, where they were made."""

    @bare.post("/bare/dispose")
    async def dispose() -> Response:
        await db.dispose()
        return Response(status_code=204)

    async def server(scope: Scope, receive: Receive, send: Send) -> None:
        chosen = bare if scope.get("path", "").startswith("/bare/") else app
        await chosen(scope, receive, send)

    return server


async def timed_gets(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], count: int
) -> list[float]:
    """The seconds each of `count` GETs of `path` took, after 50 to warm up."""
    for _ in range(50):
        (await client.get(path, headers=headers)).raise_for_status()
    times: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    return times


@contextmanager
def webhook_sink() -> Iterator[str]:
    """A receiver that accepts every delivery at once."""
    app = FastAPI()

    @app.post("/hook")
    async def hook() -> Response:
        return Response(status_code=204)

    with serving(app) as url:
        yield f"{url}/hook"


async def sign_up(client: httpx.AsyncClient, mail_dir: Path) -> dict[str, str]:
    """Sign up, confirm with the token the gateway mailed into `mail_dir`, log in: the
    owner's auth header."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    names = message_names(mail_dir)
    response = await client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "bench", "email": email, "password": PASSWORD},
    )
    response.raise_for_status()
    message = newest_message(mail_dir, email, after=names[-1] if names else "")
    token = signup_token(message) if message is not None else None
    if token is None:
        raise RuntimeError(f"no sign-up mail to {email} in {mail_dir}")
    confirmed = await client.post("/api/v1/auth/signup/confirm", json={"token": token})
    confirmed.raise_for_status()
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def webhook_channel(
    client: httpx.AsyncClient, auth: dict[str, str], url: str, name: str = "sink"
) -> str:
    """A webhook channel to `url`, made through the gateway `client` talks to: its id."""
    channel = await client.post(
        "/api/v1/channels",
        json={"platform": "webhook", "name": name, "config": {"url": url}, "secret": "s" * 24},
        headers=auth,
    )
    channel.raise_for_status()
    return str(channel.json()["id"])


def as_the_gateway_sends(key_dir: Path, auth: dict[str, str]) -> dict[str, str]:
    """The header the gateway sends a service for the operator of `auth`, for benchmarks
    that call a service directly: services accept only the tokens the gateway mints for
    them (gateway.proxy.tokens), so one is minted the same way, with the gateway's key (and
    a lifetime that outlasts the benchmark)."""
    claims = jwt.decode(
        auth["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    caller = Caller(
        user_id=claims["sub"], workspace_id=claims["wid"], roles=frozenset(claims["roles"])
    )
    ring = KeyRing.load(key_dir, prepublish=False)
    tokens = UpstreamTokens(GatewaySettings(upstream_token_ttl_seconds=900))
    return {"Authorization": f"Bearer {tokens.mint(caller, ring.current)}"}


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@contextmanager
def postgres_databases(prefix: str) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database for each service (`<prefix>_<service>_<tag>`), as their
    settings name them; empty when the server cannot be reached (PostgreSQL is optional
    for a local run). Dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    made: list[str] = []
    urls: dict[str, str] = {}
    try:
        for setting, name in SERVICE_DATABASES.items():
            database = f"{prefix}_{name}_{tag}"
            asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
            made.append(database)
            url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=database)
            urls[f"{setting}_DATABASE_URL"] = url.render_as_string(hide_password=False)
    except (OSError, asyncpg.PostgresError):
        urls = {}
    try:
        yield urls
    finally:
        for database in made:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
