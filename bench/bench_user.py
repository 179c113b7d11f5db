"""user-svc figures on PostgreSQL, measured in one run on one machine.

1. Batch ingestion: interactions per second through `POST /api/v1/interactions/batch`
   (batches of 1,000; members created on first sight, engagement, interests via jieba,
   inbox items, one outbox event each, all in the request's transaction), against a raw
   executemany INSERT of the same rows into a plain copy of the `interactions` table; and
   batches whose texts are all new (the bench's eight texts repeat, and textkit keeps
   recent texts' keywords and sentiment).
2. Segment count over 1,000,000 members: `POST /api/v1/segments/preview` for several rule
   sets, members generated server-side (generate_series), against a bare
   `count(*)` of the workspace's members. Target: under one second.

The app runs in-process (httpx over ASGITransport) on a dedicated database that the bench
creates and drops on `MEDIAOPS_BENCH_POSTGRES_URL`
(default `postgresql://postgres@127.0.0.1:5432/postgres`).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Response
from servicekit.heap import freeze_long_lived
from servicekit.settings import SharedSettings
from sqlalchemy.engine import make_url
from user_svc.app import create_app, create_runtime
from user_svc.kit.engagement import EPOCH, HALF_LIFE_DAYS
from user_svc.members import repository as members_repository
from user_svc.members.service import find_member
from user_svc.models import Base, Member
from user_svc.settings import Settings

from bench.common import beside_bare, percentile, serving, summary_ms, timed_gets

POSTGRES_URL = os.environ.get(
    "MEDIAOPS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BATCHES = 10
BATCH_SIZE = 1000
AUTHORS = 3000
MEMBERS = 1_000_000
COUNT_RUNS = 5

TEXTS = [
    "这个课程的价格是多少？",
    "写得真好，期待下一篇",
    "请问什么时候发货",
    "新品的续航怎么样？",
    "How do I join the live stream?",
    "great review, thanks for the camera tips",
    "会员折扣还有吗",
    "转发给朋友了",
]


class _Tokens:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": "bench", "alg": "EdDSA", "use": "sig"}]}

    def headers(self, workspace_id: str) -> dict[str, str]:
        now = datetime.now(UTC)
        token = jwt.encode(
            {
                "sub": "bench",
                "wid": workspace_id,
                "roles": ["owner"],
                "aud": "mediaops-upstream",  # what the gateway mints for services
                "iss": "mediaops-gateway",
                "iat": now,
                "exp": now + timedelta(hours=2),
            },
            self.key,
            algorithm="EdDSA",
            headers={"kid": "bench"},
        )
        return {"Authorization": f"Bearer {token}"}


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    name = f"mediaops_bench_user_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(POSTGRES_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield name
    finally:
        admin = await asyncpg.connect(_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def service(database: str, tokens: _Tokens) -> AsyncIterator[httpx.AsyncClient]:
    url = (
        make_url(POSTGRES_URL)
        .set(drivername="postgresql+asyncpg", database=database)
        .render_as_string(hide_password=False)
    )
    shared = SharedSettings(environment="test", jwks=json.dumps(tokens.jwks), log_level="WARNING")
    runtime = create_runtime(Settings(database_url=url, shared=shared))
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app = create_app(runtime)
    freeze_long_lived()  # as the service's entry point does before serving
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://user-svc", timeout=120
        ) as client:
            yield client
    finally:
        await runtime.db.dispose()


# Words that make each text of the distinct-text batches a text of its own.
WORDS = (
    "课程 价格 发货 新品 续航 折扣 会员 直播 相机 评测 快递 客服 质量 颜色 尺寸 退货 优惠 活动 "
    "镜头 电池 屏幕 包装 物流 售后 赠品 链接 教程 版本 系统 更新 camera battery lens review"
).split()
DISTINCT_BATCHES = 3


def _distinct_texts(batches: list[list[dict[str, Any]]], seed: int) -> list[list[dict[str, Any]]]:
    """The same batches with other platform ids, every text made unique (a few words and a
    number added), so that textkit's caches of recent texts never answer."""
    rng = random.Random(seed)
    return [
        [
            {
                **item,
                "external_id": f"d-{item['external_id']}",
                "text": item["text"]
                and f"{item['text']}{''.join(rng.sample(WORDS, 3))}{b * BATCH_SIZE + i}",
            }
            for i, item in enumerate(items)
        ]
        for b, items in enumerate(batches)
    ]


def _batches(seed: int) -> list[list[dict[str, Any]]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    kinds = ["comment"] * 5 + ["like"] * 3 + ["share", "direct_message", "reply", "follow"]
    batches = []
    for b in range(BATCHES):
        items = []
        for i in range(BATCH_SIZE):
            kind = rng.choice(kinds)
            author = f"u-{rng.randrange(AUTHORS)}"
            items.append(
                {
                    "platform": rng.choice(["weibo", "wechat", "zhihu"]),
                    "kind": kind,
                    "author": {"external_id": author, "handle": f"@{author}"},
                    "external_id": f"x-{b}-{i}",
                    "text": None if kind in ("like", "share", "follow") else rng.choice(TEXTS),
                    "post_id": f"post-{rng.randrange(50)}",
                    "occurred_at": (
                        now - timedelta(minutes=rng.randrange(60 * 24 * 30))
                    ).isoformat(),
                }
            )
        batches.append(items)
    return batches


async def ingestion(tokens: _Tokens) -> list[str]:
    batches = _batches(7)
    workspace = str(uuid.uuid4())
    async with bench_database() as database, service(database, tokens) as client:
        headers = tokens.headers(workspace)
        warm = await client.post(
            "/api/v1/interactions/batch",
            json={"items": [{**batches[0][0], "external_id": "warm-up"}]},
            headers=headers,
        )
        warm.raise_for_status()
        started = time.perf_counter()
        for items in batches:
            response = await client.post(
                "/api/v1/interactions/batch", json={"items": items}, headers=headers
            )
            response.raise_for_status()
            assert response.json()["stored"] == len(items)
        api_seconds = time.perf_counter() - started
        replay_started = time.perf_counter()
        response = await client.post(
            "/api/v1/interactions/batch", json={"items": batches[0]}, headers=headers
        )
        response.raise_for_status()
        assert response.json()["duplicates"] == BATCH_SIZE
        replay_seconds = time.perf_counter() - replay_started
        distinct = _distinct_texts(batches[:DISTINCT_BATCHES], 11)
        distinct_started = time.perf_counter()
        for items in distinct:
            response = await client.post(
                "/api/v1/interactions/batch", json={"items": items}, headers=headers
            )
            response.raise_for_status()
        distinct_seconds = time.perf_counter() - distinct_started

        conn = await asyncpg.connect(_dsn(POSTGRES_URL, database))
        try:
            await conn.execute(
                "CREATE TABLE interactions_raw (LIKE interactions INCLUDING DEFAULTS)"
            )
            member_id = await conn.fetchval("SELECT id FROM members LIMIT 1")
            raw_started = time.perf_counter()
            for items in batches:
                rows = [
                    (
                        str(uuid.uuid4()),
                        workspace,
                        member_id,
                        item["platform"],
                        item["kind"],
                        "raw-" + item["external_id"],
                        item["text"],
                        item["post_id"],
                        False,
                        datetime.fromisoformat(item["occurred_at"]),
                        datetime.now(UTC),
                    )
                    for item in items
                ]
                async with conn.transaction():
                    await conn.executemany(
                        "INSERT INTO interactions_raw (id, workspace_id, member_id, platform,"
                        " kind, external_id, text, post_id, is_question, occurred_at,"
                        " created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                        rows,
                    )
            raw_seconds = time.perf_counter() - raw_started
            members = await conn.fetchval("SELECT count(*) FROM members")
            events = await conn.fetchval("SELECT count(*) FROM outbox_messages")
            inbox = await conn.fetchval("SELECT count(*) FROM inbox_items")
        finally:
            await conn.close()
    total = BATCHES * BATCH_SIZE
    api_rate = total / api_seconds
    raw_rate = total / raw_seconds
    distinct_rate = DISTINCT_BATCHES * BATCH_SIZE / distinct_seconds
    return [
        "## user-svc: batch ingestion of interactions (PostgreSQL)",
        "",
        f"- {BATCHES} batches of {BATCH_SIZE} interactions from {AUTHORS} authors "
        f"({members} members created, {events} outbox events, {inbox} inbox items)",
        f"- through the API: **{api_rate:,.0f} interactions/s** "
        f"({api_seconds / BATCHES * 1000:.0f} ms per batch of {BATCH_SIZE})",
        f"- baseline, raw executemany INSERT of the same rows: {raw_rate:,.0f} rows/s",
        f"- ratio API / raw insert: {api_rate / raw_rate:.2f} "
        "(the API also resolves identities, creates members, updates engagement and "
        "interests, opens inbox items and writes one outbox event per interaction)",
        f"- replaying a stored batch (all duplicates): {replay_seconds * 1000:.0f} ms",
        f"- {DISTINCT_BATCHES} more batches whose every text is new (the texts above repeat, "
        f"and textkit keeps recent texts' keywords and sentiment): {distinct_rate:,.0f} "
        f"interactions/s, ratio {distinct_rate / raw_rate:.2f}",
        "",
    ]


GENERATE = """
INSERT INTO members (id, workspace_id, display_name, attributes, first_seen_at, last_seen_at,
                     engagement_raw, interaction_count, question_count, created_at, updated_at)
SELECT 'm-' || g, $1, 'member ' || g, '{}'::json,
       now() - interval '400 days',
       now() - (random() * interval '365 days'),
       -- a score between 0 and 60 today, scaled to the epoch like the service stores it
       random() * 60 * power(2, extract(epoch from now() - $2::timestamptz) / ($3::float8 * 86400)),
       (random() * 40)::int, (random() * 5)::int,
       now() - interval '400 days' + g * interval '1 second', now()
FROM generate_series(1, $4) AS g;
"""
GENERATE_TAGS = """
INSERT INTO member_tags (member_id, tag, workspace_id)
SELECT 'm-' || g, 'tag-' || t, $1
FROM generate_series(1, $2) AS g,
     LATERAL (SELECT DISTINCT (random() * 19 + g * 0)::int AS t
              FROM generate_series(1, 1 + (g % 3))) AS picks;
"""
GENERATE_IDENTITIES = """
INSERT INTO member_identities (id, workspace_id, member_id, platform, external_id, handle,
                               created_at)
SELECT 'i-' || g, $1, 'm-' || g,
       (ARRAY['wechat','weibo','zhihu','xiaohongshu','douyin'])[1 + g % 5],
       'ext-' || g, 'handle-' || g, now()
FROM generate_series(1, $2) AS g;
"""
GENERATE_INTERESTS = """
INSERT INTO member_interests (member_id, keyword, workspace_id, weight)
SELECT 'm-' || g, 'kw-' || k, $1, random()
FROM generate_series(1, $2) AS g,
     LATERAL (SELECT DISTINCT (random() * 199 + g * 0)::int AS k
              FROM generate_series(1, 2)) AS picks;
"""
GENERATE_INTERACTIONS = """
INSERT INTO interactions (id, workspace_id, member_id, platform, kind, external_id, text,
                          post_id, is_question, occurred_at, created_at)
SELECT 'x-' || g, $1, 'm-' || (1 + (g::bigint * 7919) % $2), 'weibo', 'comment', 'x-' || g, NULL,
       'post-' || (g % 500), g % 4 = 0, now() - (random() * interval '60 days'), now()
FROM generate_series(1, $3) AS g;
"""

RULES: list[tuple[str, dict[str, Any]]] = [
    ("tags any of 2", {"tags_any": ["tag-3", "tag-7"]}),
    ("active within 30 days", {"active_within_days": 30}),
    ("engagement score 20–40", {"min_score": 20, "max_score": 40}),
    (
        "tag + active 30 d + score ≥ 10",
        {"tags_any": ["tag-3"], "active_within_days": 30, "min_score": 10},
    ),
    ("tags all of 2 + platform", {"tags_all": ["tag-1", "tag-2"], "platforms_any": ["weibo"]}),
    ("interest + active 90 d", {"interests_any": ["kw-42"], "active_within_days": 90}),
    ("interacted with a post", {"interacted_with_post": "post-17"}),
]


async def segment_count(tokens: _Tokens) -> list[str]:
    workspace = str(uuid.uuid4())
    async with bench_database() as database, service(database, tokens) as client:
        conn = await asyncpg.connect(_dsn(POSTGRES_URL, database))
        try:
            started = time.perf_counter()
            await conn.execute(GENERATE, workspace, EPOCH, HALF_LIFE_DAYS, MEMBERS)
            await conn.execute(GENERATE_TAGS, workspace, MEMBERS)
            await conn.execute(GENERATE_IDENTITIES, workspace, MEMBERS)
            await conn.execute(GENERATE_INTERESTS, workspace, MEMBERS)
            await conn.execute(GENERATE_INTERACTIONS, workspace, MEMBERS, 300_000)
            await conn.execute("VACUUM ANALYZE")
            generated = time.perf_counter() - started
            tags = await conn.fetchval("SELECT count(*) FROM member_tags")
            baseline_runs = []
            for _ in range(COUNT_RUNS):
                t0 = time.perf_counter()
                await conn.fetchval(
                    "SELECT count(*) FROM members WHERE workspace_id = $1", workspace
                )
                baseline_runs.append(time.perf_counter() - t0)
        finally:
            await conn.close()
        headers = tokens.headers(workspace)
        lines = [
            "## user-svc: segment count over 1,000,000 members (PostgreSQL)",
            "",
            f"- generated server-side in {generated:.0f} s: {MEMBERS:,} members, "
            f"{tags:,} tags, {MEMBERS:,} identities, ~{2 * MEMBERS:,} interests, "
            "300,000 interactions",
            f"- baseline, bare `count(*)` of the workspace's members: "
            f"{statistics.median(baseline_runs) * 1000:.0f} ms (median of {COUNT_RUNS})",
            "",
            "| rules | members | median | max | vs bare count |",
            "|---|---:|---:|---:|---:|",
        ]
        baseline = statistics.median(baseline_runs)
        for label, rules in RULES:
            runs = []
            count = 0
            for _ in range(COUNT_RUNS):
                t0 = time.perf_counter()
                response = await client.post(
                    "/api/v1/segments/preview", json={"rules": rules}, headers=headers
                )
                runs.append(time.perf_counter() - t0)
                response.raise_for_status()
                count = response.json()["count"]
            median = statistics.median(runs)
            lines.append(
                f"| {label} | {count:,} | {median * 1000:.0f} ms | {max(runs) * 1000:.0f} ms "
                f"| {median / baseline:.1f}× |"
            )
        lines.append("")
        return lines


async def member_path(tokens: _Tokens) -> list[str]:
    """`GET /members/{id}` against an endpoint of the same server that runs the same queries
    (the member, then its identities, tags and interests) and answers the rows as JSON: no
    token, no schema, no middleware (issue 21: the request path at least 0.5 of it)."""
    async with bench_database() as database:
        url = (
            make_url(POSTGRES_URL)
            .set(drivername="postgresql+asyncpg", database=database)
            .render_as_string(hide_password=False)
        )
        shared = SharedSettings(
            environment="test", jwks=json.dumps(tokens.jwks), log_level="WARNING"
        )
        runtime = create_runtime(Settings(database_url=url, shared=shared))
        async with runtime.db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        workspace = str(uuid.uuid4())
        app = create_app(runtime)
        bare_app = FastAPI()  # outside the service's middleware: the same server, nothing else

        @bare_app.get("/bare/members/{member_id}")
        async def bare_member(member_id: str) -> Response:
            async with runtime.db.sessions() as session:
                member = await find_member(session, workspace, member_id)
                [view] = await members_repository.load_views(session, [member])
                columns = {c.key: getattr(member, c.key) for c in Member.__table__.columns}
                document = {
                    **columns,
                    "identities": [i.external_id for i in view.identities],
                    "tags": view.tags,
                    "interests": view.interests,
                }
                return Response(json.dumps(document, default=str), media_type="application/json")

        server = beside_bare(app, bare_app, runtime.db)

        headers = tokens.headers(workspace)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://user-svc", timeout=120
        ) as seeding:
            for items in _batches(3)[:2]:
                stored = await seeding.post(
                    "/api/v1/interactions/batch", json={"items": items}, headers=headers
                )
                stored.raise_for_status()
            listed = (await seeding.get("/api/v1/members?limit=5", headers=headers)).json()
        member_id = listed["items"][3]["id"]
        await runtime.db.dispose()  # the server runs its own event loop
        freeze_long_lived()  # as the service's entry point does before serving
        with serving(server) as base:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                api = await timed_gets(client, f"/api/v1/members/{member_id}", headers, 1000)
                bare = await timed_gets(client, f"/bare/members/{member_id}", headers, 1000)
                (await client.post("/bare/dispose")).raise_for_status()
    ratio = percentile(bare, 50) / percentile(api, 50)
    return [
        "## user-svc: `GET /api/v1/members/{id}` (PostgreSQL)",
        "",
        f"- through the API: {summary_ms(api)}",
        f"- a bare endpoint of the same server running the same queries (no token, no schema, "
        f"no middleware): {summary_ms(bare)}",
        f"- ratio of p50s **{ratio:.2f}** (target ≥ 0.5)",
        "",
    ]


async def _run() -> list[str]:
    tokens = _Tokens()
    return [*await ingestion(tokens), *await member_path(tokens), *await segment_count(tokens)]


def run() -> list[str]:
    return asyncio.run(_run())


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
