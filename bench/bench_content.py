"""content-svc's figures, on SQLite and PostgreSQL, each with a baseline from the same run.

1. Ideas made per second from a 1,000-entry RSS feed served over local HTTP: the whole
   fetch (guarded GET, feedparser, dedup lookups, inserts, one commit), against
   feedparser alone parsing the same document.
2. `GET /api/v1/posts` (a page of 20, token verified, workspace of 10,000 posts) and
   `GET /api/v1/posts/{id}` p50/p99 through a real uvicorn server, each against a bare
   endpoint of the same server running the same repository queries and answering the rows
   as JSON (no token, no schema), and the raw SQL of the list query.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
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
from content_svc.app import create_app, create_runtime
from content_svc.models import Base, Post
from content_svc.posts import repository as posts_repository
from content_svc.settings import Settings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response
from servicekit.heap import freeze_long_lived
from servicekit.runtime import ServiceRuntime
from servicekit.settings import SharedSettings
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from bench.common import beside_bare, percentile, serving, summary_ms, timed_gets

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


def _columns(post: Post) -> dict[str, Any]:
    """The post's row as it is stored: what a bare endpoint answers, without a schema."""
    return {column.key: getattr(post, column.key) for column in Post.__table__.columns}


def _bare_json(document: object) -> Response:
    return Response(json.dumps(document, default=str), media_type="application/json")


async def request_path(url: str, keys: Keys) -> list[str]:
    """`GET /posts` and `GET /posts/{id}` against endpoints of the same server that run the
    same repository queries and answer the rows as JSON: no token, no schema, no middleware
    beyond the app's own (issue 21: the request path at least 0.5 of such an endpoint)."""
    runtime = await _runtime(url, keys)
    workspace_id = str(uuid.uuid4())
    try:
        await _seed_posts(runtime, workspace_id)
        app = create_app(runtime)
        bare_app = FastAPI()  # outside the service's middleware: the same server, nothing else

        @bare_app.get("/bare/posts")
        async def bare_list() -> Response:
            async with runtime.db.sessions() as session:
                rows = await posts_repository.list_posts(
                    session, workspace_id, limit=20, cursor=None, best_first=False
                )
                return _bare_json([_columns(post) for post in rows[:20]])

        @bare_app.get("/bare/posts/{post_id}")
        async def bare_post(post_id: str) -> Response:
            async with runtime.db.sessions() as session:
                post = await posts_repository.get_post(session, workspace_id, post_id)
                return _bare_json(_columns(post) if post else None)

        server = beside_bare(app, bare_app, runtime.db)

        freeze_long_lived()  # as the service's entry point does before serving
        headers = keys.headers(workspace_id)
        # The server runs its own event loop: connections made on this one may not cross.
        await runtime.db.dispose()
        with serving(server) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                listed = (await client.get("/api/v1/posts", headers=headers)).json()
                one = listed["items"][7]["id"]
                timed = {
                    path: await timed_gets(client, path, headers, REQUESTS)
                    for path in (
                        "/api/v1/posts",
                        "/bare/posts",
                        f"/api/v1/posts/{one}",
                        f"/bare/posts/{one}",
                    )
                }
                (await client.post("/bare/dispose")).raise_for_status()
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
        posts = timed["/api/v1/posts"]
        p99 = percentile(posts, 99)
        lines = [
            f"- `GET /api/v1/posts` (20 of {POSTS:,} posts): {summary_ms(posts)}"
            f" — target p99 < 50 ms: **{'met' if p99 < 0.05 else 'missed'}**",
        ]
        for api, bare in (
            ("/api/v1/posts", "/bare/posts"),
            (f"/api/v1/posts/{one}", f"/bare/posts/{one}"),
        ):
            ratio = percentile(timed[bare], 50) / percentile(timed[api], 50)
            shown = api.replace(one, "{id}")
            lines.append(
                f"- `GET {shown}` against a bare endpoint of the same server running the same "
                f"queries (no token, no schema, no middleware): {summary_ms(timed[api])} against "
                f"{summary_ms(timed[bare])}; ratio of p50s **{ratio:.2f}** (target ≥ 0.5)"
            )
        lines.append(
            f"- baseline, the list query alone (SQLAlchemy, 21 rows): {summary_ms(sql_times)}"
        )
        return lines
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
    with serving(feed) as feed_base, databases() as found:
        for label, url in found:
            lines.append(f"### {label}")
            lines.append("")
            if url.startswith("unavailable"):
                lines += [f"- skipped: PostgreSQL {url}", ""]
                continue
            lines += asyncio.run(ideas_per_second(url, keys, f"{feed_base}/feed.xml", document))
            lines += asyncio.run(request_path(url, keys))
            lines.append("")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
