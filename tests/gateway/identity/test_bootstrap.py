"""The bootstrap owner: `GATEWAY_BOOTSTRAP_OWNER_*` makes the first workspace and its owner
when the gateway starts, once, however many times and however many replicas start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import structlog
from gateway.__main__ import MIGRATIONS
from gateway.identity import bootstrap, service
from gateway.identity.bootstrap import BootstrapRefused, bootstrap_owner
from gateway.models import Operator, Workspace
from gateway.settings import Settings
from pydantic import SecretStr, ValidationError
from servicekit.db import Database
from servicekit.migrations import upgrade
from sqlalchemy import func, select, text
from structlog.testing import CapturingLogger

from tests.gateway.gateway_harness import PASSWORD, GatewayFactory, bearer

ADA = "ada@example.com"
OWNER: dict[str, Any] = {
    "bootstrap_owner_email": ADA,
    "bootstrap_owner_password": SecretStr(PASSWORD),
    "bootstrap_workspace_name": "星辰咖啡",
}


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    """What the bootstrap logs, rendered as it would be in a container."""
    capturing = CapturingLogger()
    # Its own wrapper class: another test's logging setup may filter out info lines.
    logger = structlog.wrap_logger(
        capturing,
        processors=[structlog.processors.JSONRenderer()],
        wrapper_class=structlog.BoundLogger,
    )
    monkeypatch.setattr(bootstrap, "log", logger)
    return capturing


async def _count(database_url: str, model: Any) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await db.dispose()


async def test_two_starts_make_one_owner_who_signs_in_and_one_log_line(
    make_gateway: GatewayFactory, database_url: str, logged: CapturingLogger
) -> None:
    async with make_gateway(database_url=database_url, **OWNER):
        pass
    async with make_gateway(database_url=database_url, **OWNER) as gw:
        token = await gw.login(ADA, PASSWORD)
        me = (await gw.client.get("/api/v1/auth/me", headers=bearer(token))).json()

    assert me["operator"]["role"] == "owner"
    assert me["workspace"]["name"] == "星辰咖啡"
    assert await _count(database_url, Operator) == 1
    assert await _count(database_url, Workspace) == 1
    lines = [json.loads(call.args[0]) for call in logged.calls]
    assert [line["event"] for line in lines] == ["bootstrap_owner_created"]
    assert lines[0]["email"] == ADA
    assert lines[0]["workspace_id"] == me["workspace"]["id"]
    assert PASSWORD not in str(logged.calls)


async def test_an_address_that_already_has_an_account_is_left_as_it_is(
    make_gateway: GatewayFactory, database_url: str, logged: CapturingLogger
) -> None:
    async with make_gateway(database_url=database_url) as gw:
        await gw.signup(ADA)  # with PASSWORD
    changed = {**OWNER, "bootstrap_owner_password": SecretStr("a-different-Secret-1")}

    async with make_gateway(database_url=database_url, **changed) as gw:
        await gw.login(ADA, PASSWORD)  # the settings never reset a password

    assert await _count(database_url, Workspace) == 1
    assert logged.calls == []


async def test_replicas_starting_at_once_make_one_owner(
    make_gateway: GatewayFactory, database_url: str
) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)

    async def start() -> None:
        async with make_gateway(migrate=False, database_url=database_url, **OWNER):
            pass

    await asyncio.gather(start(), start(), start())

    assert await _count(database_url, Operator) == 1
    assert await _count(database_url, Workspace) == 1


async def test_a_replica_that_loses_the_race_starts_all_the_same(
    database_url: str, tmp_path: Path
) -> None:
    """One replica has written the owner and not committed yet when another looks: on
    PostgreSQL the other sees no owner, writes its own and waits on the unique address."""
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    settings = Settings(database_url=database_url, **OWNER)
    winner, loser, watcher = (Database(database_url) for _ in range(3))
    try:
        async with winner.transaction() as session:
            await service.create_owner(
                session, email=ADA, password=PASSWORD, workspace_name="first"
            )
            racing = asyncio.create_task(bootstrap_owner(loser, settings))
            await _until_waiting_for_a_lock(watcher)
            assert not racing.done()
        created = await asyncio.wait_for(racing, timeout=30)
    finally:
        for db in (winner, loser, watcher):
            await db.dispose()

    assert created is False
    assert await _count(database_url, Operator) == 1
    assert await _count(database_url, Workspace) == 1  # the loser's rolled back


async def _until_waiting_for_a_lock(watcher: Database) -> None:
    if not watcher.is_postgres:
        # SQLite: the loser waits for the write lock before it can even look.
        await asyncio.sleep(0.3)
        return
    for _ in range(200):
        # A lock waited for in this test's own database (the cluster is shared with other
        # tests, whose waits must not count).
        async with watcher.engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the second replica never waited on the first one's owner")


async def test_a_weak_password_stops_the_start_naming_the_rule_not_the_password(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    weak = {**OWNER, "bootstrap_owner_password": SecretStr("short1")}

    with pytest.raises(BootstrapRefused) as refused:
        async with make_gateway(**weak):
            pass

    assert "password: must be at least 10 characters long" in str(refused.value)
    assert "short1" not in str(refused.value)
    assert await _count(f"sqlite+aiosqlite:///{tmp_path}/gateway.db", Operator) == 0


def test_the_password_may_come_from_a_secret_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "owner-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    monkeypatch.setenv("GATEWAY_BOOTSTRAP_OWNER_EMAIL", ADA)
    monkeypatch.setenv("GATEWAY_BOOTSTRAP_OWNER_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("GATEWAY_BOOTSTRAP_WORKSPACE_NAME", "星辰咖啡")

    settings = Settings()

    assert settings.bootstrap_owner_password is not None
    assert settings.bootstrap_owner_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings)


def test_unset_and_empty_settings_bootstrap_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EMAIL", "PASSWORD", "PASSWORD_FILE"):
        monkeypatch.setenv(f"GATEWAY_BOOTSTRAP_OWNER_{name}", "")
    monkeypatch.setenv("GATEWAY_BOOTSTRAP_WORKSPACE_NAME", "")

    settings = Settings()

    assert settings.bootstrap_owner_email is None
    assert settings.bootstrap_owner_password is None


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"bootstrap_owner_email": ADA}, "GATEWAY_BOOTSTRAP_OWNER_PASSWORD (or _FILE)"),
        (
            {"bootstrap_owner_email": ADA, "bootstrap_owner_password": PASSWORD},
            "GATEWAY_BOOTSTRAP_WORKSPACE_NAME must be",
        ),
        ({"bootstrap_owner_password": PASSWORD}, "need GATEWAY_BOOTSTRAP_OWNER_EMAIL"),
        ({**OWNER, "bootstrap_owner_password_file": "/nowhere"}, "not both"),
        (
            {**OWNER, "bootstrap_owner_password": None, "bootstrap_owner_password_file": "/no"},
            "cannot be read",
        ),
    ],
)
def test_an_incomplete_bootstrap_owner_is_refused_without_echoing_the_password(
    values: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**values)

    assert says in str(refused.value)
    assert PASSWORD not in str(refused.value)
