"""content-svc's figures, on SQLite and PostgreSQL, each with a baseline from the same run.

1. Ideas made per second from a 1,000-entry RSS feed served over local HTTP: the whole
   fetch (guarded GET, feedparser, dedup lookups, inserts, one commit), against
   feedparser alone parsing the same document.
2. `GET /api/v1/posts` (a page of 20, token verified, workspace of 10,000 posts) p50/p99
   through a real uvicorn server, against a bare endpoint of the same server returning a
   constant page (HTTP + JSON cost without the query) and the raw SQL of the list query.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import asyncpg
import feedparser
import httpx
import jwt
import uvicorn
from content_svc.app import create_app, create_runtime
from content_svc.models import Base, Post
from content_svc.settings import Settings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from devstack.ports import free_port
from fastapi import FastAPI, Response
from servicekit.heap import freeze_long_lived
from servicekit.runtime import ServiceRuntime
from servicekit.settings import SharedSettings
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from bench.common import percentile, summary_ms

ENTRIES = 1000
POSTS = 10_000
REQUESTS = 1000
POSTGRES_URL = os.environ.get(
    "MEDIAOPS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def feed_document() -> bytes:
    now = datetime.now(UTC)
    items = "".join(
        f"<item><guid>entry-{i}</guid><title>第 {i} 条行业快讯：新品发布与市场观察 {i}</title>"
        f"<link>https://news.example.cn/a/{i}</link>"
        f"<description>Industry news number {i} about coffee, tea and retail.</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate></item>"
        for i in range(ENTRIES)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>bench</title><link>https://news.example.cn/</link>{items}</channel></rss>"
    ).encode()


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


class Keys:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": "bench", "alg": "EdDSA", "use": "sig"}]}

    def headers(self, workspace_id: str) -> dict[str, str]:
        now = datetime.now(UTC)
        token = jwt.encode(
            {
                "sub": str(uuid.uuid4()),
                "wid": workspace_id,
                "roles": ["owner"],
                "aud": "mediaops-upstream",  # what the gateway mints for services
                "iss": "mediaops-gateway",
                "iat": now,
                "exp": now + timedelta(hours=1),
            },
            self.private,
            algorithm="EdDSA",
            headers={"kid": "bench"},
        )
        return {"Authorization": f"Bearer {token}"}


@contextmanager
def databases() -> Iterator[list[tuple[str, str]]]:
    """(label, URL) of a fresh SQLite file and, when reachable, a fresh PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        found = [("SQLite", f"sqlite+aiosqlite:///{tmp}/content.db")]
        name = f"bench_content_{uuid.uuid4().hex[:10]}"
        admin_dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
        created = False
        try:
            asyncio.run(_admin(admin_dsn, f'CREATE DATABASE "{name}"'))
            created = True
            url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
            found.append(("PostgreSQL", url.render_as_string(hide_password=False)))
        except Exception as exc:  # PostgreSQL is optional for a local run
            found.append(("PostgreSQL", f"unavailable: {exc!r}"))
        try:
            yield found
        finally:
            if created:
                asyncio.run(_admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _runtime(url: str, keys: Keys) -> ServiceRuntime:
    settings = Settings(
        database_url=url,
        shared=SharedSettings(
            environment="test",
            jwks=json.dumps(keys.jwks),
            allow_private_urls=True,
            log_level="WARNING",
        ),
    )
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return runtime


async def ideas_per_second(url: str, keys: Keys, feed_url: str, document: bytes) -> list[str]:
    from content_svc.sources.fetching import SourceFetcher
    from content_svc.sources.schemas import SourceCreate
    from content_svc.sources.service import create_source
    from servicekit.auth import Caller

    runtime = await _runtime(url, keys)
    try:
        assert isinstance(runtime.settings, Settings)
        caller = Caller(user_id="bench", workspace_id=str(uuid.uuid4()), roles=frozenset({"owner"}))
        async with runtime.db.transaction() as session:
            source = await create_source(
                session,
                caller,
                SourceCreate(kind="news", name="bench", url=feed_url),
                allow_private=True,
            )
        fetcher = SourceFetcher(runtime.db, runtime.settings)
        started = time.perf_counter()
        outcome = await fetcher.fetch_now(caller.workspace_id, source.id)
        elapsed = time.perf_counter() - started
        assert outcome.new_ideas == ENTRIES, outcome
        parse_started = time.perf_counter()
        parsed = feedparser.parse(document)
        parse_elapsed = time.perf_counter() - parse_started
        assert len(parsed.entries) == ENTRIES
        return [
            f"- {ENTRIES} entries → {outcome.new_ideas} ideas in {elapsed * 1000:.0f} ms: "
            f"**{ENTRIES / elapsed:.0f} ideas/s**; feedparser alone parses the same feed at "
            f"{ENTRIES / parse_elapsed:.0f} entries/s (ratio {parse_elapsed / elapsed:.2f} of "
            "the whole fetch is parsing)"
        ]
    finally:
        await runtime.db.dispose()


async def _seed_posts(runtime: ServiceRuntime, workspace_id: str) -> None:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "workspace_id": workspace_id,
            "title": f"第 {i} 篇：秋季新品与门店活动",
            "body_markdown": "正文" * 200,
            "body_html": "<p>" + "正文" * 200 + "</p>",
            "summary": "摘要",
            "tags": ["新品"],
            "keywords": ["咖啡"],
            "status": "draft",
            "version": 1,
            "author_id": "bench",
            "created_at": now - timedelta(seconds=i),
            "updated_at": now - timedelta(seconds=i),
            "scheduled_channel_ids": [],
            "perf_rank": -1,
        }
        for i in range(POSTS)
    ]
    async with runtime.db.transaction() as session:
        for start in range(0, POSTS, 1000):
            await session.execute(insert(Post), rows[start : start + 1000])
    if runtime.db.is_postgres:
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("ANALYZE posts"))


async def _timed_gets(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> list[float]:
    for _ in range(50):
        (await client.get(path, headers=headers)).raise_for_status()
    times: list[float] = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    return times


async def list_latency(url: str, keys: Keys) -> list[str]:
    runtime = await _runtime(url, keys)
    workspace_id = str(uuid.uuid4())
    try:
        await _seed_posts(runtime, workspace_id)
        app = create_app(runtime)
        freeze_long_lived()  # as the service's entry point does before serving
        page: dict[str, Any] = {"items": [], "next_cursor": None}

        @app.get("/bare")
        async def bare() -> Response:
            return Response(json.dumps(page), media_type="application/json")

        @app.post("/dispose")
        async def dispose() -> Response:
            await runtime.db.dispose()  # on the server's loop, where its connections live
            return Response(status_code=204)

        headers = keys.headers(workspace_id)
        # The server runs its own event loop: connections made on this one may not cross.
        await runtime.db.dispose()
        with serve(app) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                listed = (await client.get("/api/v1/posts", headers=headers)).json()
                page["items"] = listed["items"]
                posts = await _timed_gets(client, "/api/v1/posts", headers)
                bare_times = await _timed_gets(client, "/bare", headers)
                (await client.post("/dispose")).raise_for_status()
        query = (
            select(Post)
            .where(Post.workspace_id == workspace_id)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(21)
        )
        sql_times: list[float] = []
        async with runtime.db.sessions() as session:
            for _ in range(REQUESTS):
                started = time.perf_counter()
                (await session.scalars(query)).all()
                sql_times.append(time.perf_counter() - started)
                session.expunge_all()
        p99 = percentile(posts, 99)
        ratio = percentile(posts, 50) / percentile(bare_times, 50)
        return [
            f"- `GET /api/v1/posts` (20 of {POSTS:,} posts): {summary_ms(posts)}"
            f" — target p99 < 50 ms: **{'met' if p99 < 0.05 else 'missed'}**",
            f"- baseline, bare endpoint of the same server (same page, no query, no auth): "
            f"{summary_ms(bare_times)}; p50 ratio {ratio:.1f}×",
            f"- baseline, the list query alone (SQLAlchemy, 21 rows): {summary_ms(sql_times)}",
        ]
    finally:
        await runtime.db.dispose()


def run() -> list[str]:
    keys = Keys()
    document = feed_document()
    feed = FastAPI()

    @feed.get("/feed.xml")
    async def serve_feed() -> Response:
        return Response(document, media_type="application/rss+xml")

    lines = [
        f"## content-svc: ideas from a {ENTRIES:,}-entry feed, and the posts list "
        f"with {POSTS:,} posts",
        "",
    ]
    with serve(feed) as feed_base, databases() as found:
        for label, url in found:
            lines.append(f"### {label}")
            lines.append("")
            if url.startswith("unavailable"):
                lines += [f"- skipped: PostgreSQL {url}", ""]
                continue
            lines += asyncio.run(ideas_per_second(url, keys, f"{feed_base}/feed.xml", document))
            lines += asyncio.run(list_latency(url, keys))
            lines.append("")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
