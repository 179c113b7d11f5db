"""metrics-svc figures, measured in one run on PostgreSQL, in a database made for the run.

1. Ingestion: points per second through `POST /api/v1/stats` (10,000-point batches, the
   whole request path in process: token check, validation, raw points, hourly/daily/
   channel rollups, benchmark checkpoints, totals and verdicts, outbox event, and the alert
   checks they call for, in the background as the service runs them) against a
   raw bulk insert of the same rows into a copy of the raw table (multi-row INSERT through
   asyncpg's `executemany`), and against COPY, in the same run.
2. Reports at scale: `POST_POINTS` points (10,000,000 by default; `BENCH_METRICS_POINTS`
   overrides) generated server-side with `generate_series` into the raw table and the
   rollups derived from them, then p99 of `GET /reports/posts/{id}` and
   `GET /reports/overview` (30 days, per channel) through the app.

The database is `postgresql://postgres@127.0.0.1:5432/<fresh name>` (override the server
with `BENCH_POSTGRES_URL`), created and dropped by the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from event_contracts import ChannelChangedV1, CloudEvent, PostPublishedV1
from metrics_svc.__main__ import MIGRATIONS
from metrics_svc.alerts.raising import check_due, check_forever
from metrics_svc.app import create_app, create_runtime
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.runtime import MetricsRuntime
from metrics_svc.settings import Settings
from servicekit.heap import freeze_long_lived
from servicekit.migrations import upgrade
from servicekit.settings import SharedSettings

from bench.common import percentile, summary_ms

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POINTS = int(os.environ.get("BENCH_METRICS_POINTS", "10000000"))
BATCH = 10_000
BATCHES = 8
INGEST_POSTS = 500
REQUESTS = 300
SCALE_POSTS = 2000
SCALE_CHANNELS = 10
SCALE_METRICS = ("reads", "readers", "likes", "comments", "shares", "favorites", "conversions")


class Keys:
    def __init__(self) -> None:
        self.private = Ed25519PrivateKey.generate()
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
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
            self.private,
            algorithm="EdDSA",
            headers={"kid": "bench"},
        )
        return {"Authorization": f"Bearer {token}"}


def _dsn(database: str) -> str:
    base, _, _ = SERVER.rpartition("/")
    return f"{base}/{database}"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _apply(runtime: MetricsRuntime, workspace_id: str, topic: str, payload: Any) -> None:
    event = CloudEvent.create(topic, "/bench", str(uuid.uuid4()), workspace_id, payload)
    await runtime.consumer.apply(event, HANDLERS[topic])


async def ingestion(
    runtime: MetricsRuntime, client: httpx.AsyncClient, keys: Keys, dsn: str
) -> list[str]:
    workspace_id = str(uuid.uuid4())
    channels = [str(uuid.uuid4()) for _ in range(4)]
    for channel in channels:
        await _apply(
            runtime,
            workspace_id,
            "channel.changed",
            ChannelChangedV1(
                channel_id=channel,
                workspace_id=workspace_id,
                platform="wechat",
                name="公众号",
                status="active",
                deleted=False,
                changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            ),
        )
    # Posts that went live 21 hours ago, figures up to an hour ago: fresh, as the platforms
    # pull them, so the alert check that follows every batch (stalls) judges them.
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=21)
    posts: list[tuple[str, str]] = []
    for i in range(INGEST_POSTS):
        post_id = str(uuid.uuid4())
        channel = channels[i % len(channels)]
        posts.append((post_id, channel))
        await _apply(
            runtime,
            workspace_id,
            "post.published",
            PostPublishedV1(
                post_id=post_id,
                workspace_id=workspace_id,
                version=1,
                title=f"第 {i} 篇",
                body_markdown="正文",
                body_html="<p>正文</p>",
                tags=[],
                keywords=[],
                channel_ids=[channel],
                author_id="bench",
                published_at=start,
            ),
        )
    # Each batch: every post's 4 metrics at 5 successive half-hours (500 x 4 x 5 = 10,000).
    metrics = ("reads", "likes", "shares", "comments")
    batches: list[list[dict[str, Any]]] = []
    for b in range(BATCHES):
        points = []
        for step in range(5):
            at = start + timedelta(minutes=30 * (b * 5 + step + 1))
            for n, (post_id, channel) in enumerate(posts):
                for m, metric in enumerate(metrics):
                    points.append(
                        {
                            "post_id": post_id,
                            "channel_id": channel,
                            "metric": metric,
                            "value": (b * 5 + step + 1) * (n + m + 10),
                            "observed_at": at.isoformat(),
                        }
                    )
        batches.append(points)
    headers = keys.headers(workspace_id)
    # The alert checks the batches call for run as the service runs them, in the background
    # (at most once every interval), and once more for the last batches: their time counts.
    wake = asyncio.Event()
    runtime.db.on_outbox_commit(wake.set)
    checking = asyncio.create_task(
        check_forever(
            runtime.db,
            wake,
            interval_seconds=runtime.settings.alert_check_interval_seconds,
            poll_seconds=runtime.settings.alert_check_poll_seconds,
        )
    )
    began = time.perf_counter()
    for points in batches:
        response = await client.post("/api/v1/stats", json={"points": points}, headers=headers)
        response.raise_for_status()
        assert response.json()["points_stored"] == BATCH
    await check_due(runtime.db)
    api_seconds = time.perf_counter() - began
    checking.cancel()
    await asyncio.gather(checking, return_exceptions=True)
    total = BATCH * BATCHES

    rows = [
        (workspace_id, n, datetime.fromisoformat(p["observed_at"]), p["value"], "bench", "raw")
        for points in batches
        for n, p in enumerate(points)
    ]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE raw_points (LIKE stat_points INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING INDEXES)"
        )
        began = time.perf_counter()
        for start_row in range(0, len(rows), BATCH):
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO raw_points (workspace_id, series_id, observed_at, value, source,"
                    " batch_id) VALUES ($1, $2, $3, $4, $5, $6)",
                    [
                        (w, s + start_row, at, v, src, bid)
                        for w, s, at, v, src, bid in rows[start_row : start_row + BATCH]
                    ],
                )
        insert_seconds = time.perf_counter() - began
        await conn.execute("TRUNCATE raw_points")
        began = time.perf_counter()
        for start_row in range(0, len(rows), BATCH):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "raw_points",
                    records=[
                        (w, s + start_row, at, v, src, bid)
                        for w, s, at, v, src, bid in rows[start_row : start_row + BATCH]
                    ],
                    columns=[
                        "workspace_id",
                        "series_id",
                        "observed_at",
                        "value",
                        "source",
                        "batch_id",
                    ],
                )
        copy_seconds = time.perf_counter() - began
        await conn.execute("DROP TABLE raw_points")
    finally:
        await conn.close()
    api_rate = total / api_seconds
    insert_rate = total / insert_seconds
    copy_rate = total / copy_seconds
    return [
        "### Ingestion (`POST /api/v1/stats`, PostgreSQL)",
        "",
        f"- {BATCHES} batches of {BATCH:,} points ({INGEST_POSTS} posts x 4 metrics x 5 "
        "half-hourly snapshots each), in process through the ASGI app",
        f"- through the API: **{api_rate:,.0f} points/s** ({api_seconds / BATCHES * 1000:.0f} ms "
        "per batch)",
        f"- raw bulk INSERT of the same rows (asyncpg executemany, 10,000 per transaction): "
        f"{insert_rate:,.0f} points/s; ratio API / raw = **{api_rate / insert_rate:.2f}** "
        "(target >= 0.25)",
        f"- raw COPY of the same rows: {copy_rate:,.0f} points/s; ratio API / COPY = "
        f"{api_rate / copy_rate:.2f}",
        "",
    ]


GENERATE = """
INSERT INTO channels (workspace_id, id, platform, name, deleted, updated_at)
SELECT $1::varchar, 'ch-' || c, 'wechat', '渠道 ' || c, false, now()
FROM generate_series(0, {channels} - 1) c;

INSERT INTO posts (workspace_id, id, title, tags, keywords, version, published_at, updated_at)
SELECT $1::varchar, 'post-' || p, '文章 ' || p, '[]', '[]', 1,
       now() - interval '180 days' + p * (interval '180 days' / {posts}), now()
FROM generate_series(1, {posts}) p;

INSERT INTO post_channels (workspace_id, post_id, channel_id, platform, published_at)
SELECT $1::varchar, id, 'ch-' || (substr(id, 6)::int % {channels}), 'wechat', published_at
FROM posts WHERE workspace_id = $1::varchar;

INSERT INTO series (workspace_id, channel_id, post_id, metric, published_at, latest_value)
SELECT $1::varchar, pc.channel_id, pc.post_id, m.metric, pc.published_at, 0
FROM post_channels pc CROSS JOIN unnest($2::text[]) AS m(metric)
WHERE pc.workspace_id = $1::varchar;

INSERT INTO stat_points (workspace_id, series_id, observed_at, value, source, batch_id)
SELECT $1::varchar, s.id, s.published_at + k * interval '30 minutes',
       floor((1000 + (s.id * 7919) % 9000) * (1 - exp(-k / 60.0)))::bigint, 'bench', 'seed'
FROM series s CROSS JOIN generate_series(1, $2::int) k
WHERE s.workspace_id = $1::varchar AND s.published_at + k * interval '30 minutes' < now();

INSERT INTO rollup_hourly (series_id, bucket, value, observed_at, gain)
SELECT series_id, bucket, value, observed_at,
       value - coalesce(lag(value) OVER (PARTITION BY series_id ORDER BY bucket), 0)
FROM (
  SELECT DISTINCT ON (series_id, date_trunc('hour', observed_at))
         series_id, date_trunc('hour', observed_at) AS bucket, value, observed_at
  FROM stat_points WHERE workspace_id = $1::varchar
  ORDER BY series_id, date_trunc('hour', observed_at), observed_at DESC
) h;

INSERT INTO rollup_daily (series_id, bucket, value, observed_at, gain)
SELECT series_id, bucket, value, observed_at,
       value - coalesce(lag(value) OVER (PARTITION BY series_id ORDER BY bucket), 0)
FROM (
  SELECT DISTINCT ON (series_id, date_trunc('day', bucket))
         series_id, date_trunc('day', bucket) AS bucket, value, observed_at
  FROM rollup_hourly
  WHERE series_id IN (SELECT id FROM series WHERE workspace_id = $1::varchar)
  ORDER BY series_id, date_trunc('day', bucket), bucket DESC
) d;

INSERT INTO rollup_channel_daily (workspace_id, day, channel_id, metric, account, gain)
SELECT $1::varchar, d.bucket, s.channel_id, s.metric, false, sum(d.gain)
FROM rollup_daily d JOIN series s ON s.id = d.series_id
WHERE s.workspace_id = $1::varchar
GROUP BY d.bucket, s.channel_id, s.metric;

INSERT INTO benchmark_checkpoints
  (series_id, age_hours, workspace_id, channel_id, post_id, metric, published_at, value,
   observed_at)
SELECT s.id, a.age, $1::varchar, s.channel_id, s.post_id, s.metric, s.published_at,
       h.value, h.observed_at
FROM series s
CROSS JOIN unnest(ARRAY[1, 2, 4, 6, 12, 24, 48, 72, 120, 168, 336, 720]) AS a(age)
CROSS JOIN LATERAL (
  SELECT value, observed_at FROM rollup_hourly r
  WHERE r.series_id = s.id AND r.observed_at <= s.published_at + a.age * interval '1 hour'
  ORDER BY r.bucket DESC LIMIT 1
) h
WHERE s.workspace_id = $1::varchar;

UPDATE series s SET latest_value = h.value, latest_observed_at = h.observed_at
FROM (
  SELECT DISTINCT ON (series_id) series_id, value, observed_at FROM rollup_hourly
  ORDER BY series_id, bucket DESC
) h
WHERE h.series_id = s.id AND s.workspace_id = $1::varchar;
"""


async def at_scale(client: httpx.AsyncClient, keys: Keys, dsn: str) -> list[str]:
    workspace_id = str(uuid.uuid4())
    per_series = max(1, POINTS // (SCALE_POSTS * len(SCALE_METRICS)))
    conn = await asyncpg.connect(dsn)
    began = time.perf_counter()
    try:
        for statement in GENERATE.format(posts=SCALE_POSTS, channels=SCALE_CHANNELS).split(";\n"):
            if not statement.strip():
                continue
            args: list[Any] = [workspace_id] if "$1" in statement else []
            if "$2::text[]" in statement:
                args.append(list(SCALE_METRICS))
            if "$2::int" in statement:
                args.append(per_series)
            await conn.execute(statement, *args)
        await conn.execute("ANALYZE")
        stored = await conn.fetchval(
            "SELECT count(*) FROM stat_points WHERE workspace_id = $1", workspace_id
        )
        hourly = await conn.fetchval("SELECT count(*) FROM rollup_hourly")
    finally:
        await conn.close()
    generated_in = time.perf_counter() - began
    headers = keys.headers(workspace_id)
    rng = random.Random(7)
    # Posts young enough to have a full benchmark window behind them.
    post_ids = [f"post-{p}" for p in range(SCALE_POSTS // 2, SCALE_POSTS + 1)]

    async def timed(path: str) -> float:
        t0 = time.perf_counter()
        response = await client.get(path, headers=headers)
        elapsed = time.perf_counter() - t0
        response.raise_for_status()
        return elapsed

    for _ in range(20):  # warm up
        await timed(f"/api/v1/reports/posts/{rng.choice(post_ids)}")
        await timed("/api/v1/reports/overview")
    post_times = [
        await timed(f"/api/v1/reports/posts/{rng.choice(post_ids)}") for _ in range(REQUESTS)
    ]
    overview_times = [await timed("/api/v1/reports/overview") for _ in range(REQUESTS)]
    sample = (await client.get(f"/api/v1/reports/posts/{post_ids[-50]}", headers=headers)).json()
    return [
        f"### Reports with {stored:,} points stored (PostgreSQL)",
        "",
        f"- {SCALE_POSTS:,} posts on {SCALE_CHANNELS} channels over 180 days, "
        f"{len(SCALE_METRICS)} metrics each, a snapshot every 30 minutes ({per_series} per "
        f"series); {hourly:,} hourly rollup rows; generated server-side in {generated_in:.0f} s",
        f"- `GET /reports/posts/{{id}}` (totals, curve, benchmark against the channel's posts of "
        f"the previous 90 days): {summary_ms(post_times)}; "
        f"**p99 {percentile(post_times, 99) * 1000:.1f} ms** (target < 100 ms)",
        f"- `GET /reports/overview` (30 days x {SCALE_CHANNELS} channels): "
        f"{summary_ms(overview_times)}; **p99 {percentile(overview_times, 99) * 1000:.1f} ms** "
        "(target < 100 ms)",
        f"- sample verdict: {sample['reason']}",
        "",
    ]


@asynccontextmanager
async def service(
    name: str, instrument: Callable[[MetricsRuntime], None] = lambda _: None
) -> AsyncIterator[tuple[MetricsRuntime, httpx.AsyncClient, Keys, str]]:
    """The app in process on a database made for the run (dropped after): its runtime, a
    client, the keys its tokens are signed with, the database's DSN."""
    database = f"mediaops_{name}_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{database}"')
    dsn = _dsn(database)
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    keys = Keys()
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS, url)
        shared = SharedSettings(jwks=json.dumps(keys.jwks), log_level="WARNING")
        runtime = create_runtime(Settings(database_url=url, shared=shared))
        instrument(runtime)
        app = create_app(runtime)
        freeze_long_lived()  # as the service's entry point does before serving
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://metrics", timeout=120
        ) as client:
            yield runtime, client, keys, dsn
        await runtime.db.dispose()
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def main() -> list[str]:
    async with service("bench_metrics") as (runtime, client, keys, dsn):
        lines = ["## metrics-svc", ""]
        lines += await ingestion(runtime, client, keys, dsn)
        lines += await at_scale(client, keys, dsn)
    return lines


def run() -> list[str]:
    return asyncio.run(main())


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
