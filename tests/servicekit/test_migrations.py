"""Migrations as a step: one migrator at a time per database, apps that wait for the
schema instead of changing it, and production refusing unsafe settings before anything."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from servicekit.db import create_engine
from servicekit.migrations import (
    MigrationsPending,
    current_revisions,
    head_revisions,
    upgrade,
    wait_until_current,
)
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[2]
# A real service's migrations: the widest schema, so concurrent runs really collide.
MIGRATIONS = REPO / "services" / "user-svc" / "migrations"


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without Mediaops settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAOPS_", "USER_", "CI"))}
    return {**env, **settings}


async def test_two_migrators_at_once_both_finish_with_one_schema(
    database_url: str, tmp_path: Path
) -> None:
    """Two replicas (or the migrate step and an app started with `all`) migrating the same
    database together: the lock makes the second wait and find nothing left to do."""

    def migrate() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "user_svc", "migrate"],
            env=clean_env(USER_DATABASE_URL=database_url, MEDIAOPS_DATA_DIR=str(tmp_path)),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first, second = migrate(), migrate()
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert await current_revisions(database_url) == head_revisions(MIGRATIONS)


async def test_waiting_for_migrations_gives_up_with_the_state_it_found(database_url: str) -> None:
    with pytest.raises(MigrationsPending, match="at no migration, the code needs"):
        await asyncio.to_thread(wait_until_current, MIGRATIONS, database_url, timeout=0)
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    await asyncio.to_thread(wait_until_current, MIGRATIONS, database_url, timeout=0)


async def test_code_older_than_the_schema_serves_and_newer_code_waits(database_url: str) -> None:
    """During a rollout (or a rollback) the previous release runs on the next one's schema:
    migrations are additive first. Code newer than the schema must wait for the step."""
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'ffffnewer'"))
        await asyncio.to_thread(wait_until_current, MIGRATIONS, database_url, timeout=0)

        (first,) = [r for r in ScriptDirectory.from_config(_config()).walk_revisions()][-1:]
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :rev"), {"rev": first.revision}
            )
    finally:
        await engine.dispose()
    if first.revision not in head_revisions(MIGRATIONS):
        with pytest.raises(MigrationsPending):
            await asyncio.to_thread(wait_until_current, MIGRATIONS, database_url, timeout=0)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def test_serve_waits_for_the_migrate_step_then_says_what_to_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "user_svc", "serve"],
        env=clean_env(
            MEDIAOPS_DATA_DIR=str(tmp_path),
            MEDIAOPS_MIGRATION_WAIT_SECONDS="0",
            USER_PORT="0",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "run the migrate step first" in result.stderr
    assert "mediaops-migrate" in result.stderr


def test_production_names_every_unsafe_setting_before_starting(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "user_svc"],
        env=clean_env(MEDIAOPS_ENVIRONMENT="production", MEDIAOPS_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "refusing to start in production" in result.stderr
    named = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert named == [
        "USER_DATABASE_URL",
        "MEDIAOPS_PUBLIC_URL",
        "MEDIAOPS_KAFKA_BOOTSTRAP",
        "MEDIAOPS_JWKS_URL",
    ]
    assert list(tmp_path.iterdir()) == [], "nothing was created before refusing"


def test_production_migrate_checks_only_the_database(tmp_path: Path) -> None:
    weak = "postgresql+asyncpg://mediaops:mediaops@db.internal:5432/users"
    result = subprocess.run(
        [sys.executable, "-m", "user_svc", "migrate"],
        env=clean_env(MEDIAOPS_ENVIRONMENT="production", USER_DATABASE_URL=weak),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "USER_DATABASE_URL uses a well-known password" in result.stderr
    assert "MEDIAOPS_PUBLIC_URL" not in result.stderr
    assert "mediaops:mediaops" not in result.stderr  # a URL's password is never printed
