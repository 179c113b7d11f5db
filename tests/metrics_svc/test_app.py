"""metrics-svc starts, migrates both ways on both databases, and answers health checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from metrics_svc.__main__ import MIGRATIONS
from metrics_svc.app import create_app, create_runtime
from metrics_svc.models import Base
from metrics_svc.settings import Settings
from servicekit.db import Database
from servicekit.migrations import upgrade
from servicekit.settings import SharedSettings
from sqlalchemy import inspect

from tests.migration_roundtrip import assert_round_trip

TABLES = {
    "outbox_messages",
    "processed_events",
    "stat_points",
    "series",
    "rollup_hourly",
    "rollup_daily",
    "rollup_channel_daily",
    "benchmark_checkpoints",
    "campaigns",
    "campaign_posts",
    "tracked_links",
    "link_clicks",
    "conversions",
    "channels",
    "posts",
    "post_channels",
    "idempotency_keys",
    "interaction_counts",
    "interaction_sentiments",
    "raised_alerts",
    "alert_checks_due",
    "stat_batches",
}


async def table_names(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await db.dispose()


async def test_migrations_build_the_models_schema_and_take_it_down(database_url: str) -> None:
    await assert_round_trip(database_url, MIGRATIONS, Base.metadata, TABLES)


async def test_health_and_readiness(shared_settings: SharedSettings, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/svc.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    runtime = create_runtime(Settings(database_url=url, shared=shared_settings))
    app = create_app(runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["outbox_waiting"] == 0
    await runtime.db.dispose()


async def test_not_ready_when_the_broker_is_unreachable(
    shared_settings: SharedSettings, tmp_path: Path
) -> None:
    from devstack.ports import free_port

    url = f"sqlite+aiosqlite:///{tmp_path}/svc.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    shared = shared_settings.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{free_port()}"})
    runtime = create_runtime(Settings(database_url=url, shared=shared))
    app = create_app(runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("unreachable")
    await runtime.db.dispose()
