"""`mediaops-admin create-owner`: the first owner of a deployment, made in the gateway's
database from its machine, with no mail and no gateway running; then signed in for real."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from gateway.__main__ import MIGRATIONS
from gateway.admin.app import app
from gateway.mail.mailbox import message_names
from gateway.models import Operator, Workspace
from servicekit.db import Database
from servicekit.migrations import upgrade
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from tests.gateway.gateway_harness import PASSWORD, GatewayFactory, bearer

MEDIAOPS_ADMIN = Path(sys.executable).parent / "mediaops-admin"
runner = CliRunner()


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"GATEWAY_DATABASE_URL": database_url, "MEDIAOPS_DATA_DIR": str(tmp_path / "data")}


async def _create_owner(
    database_url: str, tmp_path: Path, *args: str, input: str | None = None
) -> Result:
    # In a thread: the command runs its own event loop.
    return await asyncio.to_thread(
        runner.invoke,
        app,
        ["create-owner", *args],
        input=input,
        env={**_env(database_url, tmp_path), "COLUMNS": "200"},
    )


async def _operators(database_url: str) -> list[Operator]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list((await session.scalars(select(Operator))).all())
    finally:
        await db.dispose()


async def _workspaces(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Workspace)) or 0)
    finally:
        await db.dispose()


async def test_the_created_owner_signs_in_to_the_new_workspace(
    make_gateway: GatewayFactory, database_url: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
    # The installed command, as ops run it in the gateway's container.
    done = await asyncio.to_thread(
        subprocess.run,
        [str(MEDIAOPS_ADMIN), "create-owner", "--email", "Ada@Example.com"]
        + ["--workspace", "星辰咖啡", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, **_env(database_url, tmp_path), "COLUMNS": "200"},
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workspace_id = re.search(r"workspace id: (\S+)", done.stdout)
    operator_id = re.search(r"operator id: (\S+)", done.stdout)
    assert workspace_id, done.stdout
    assert operator_id, done.stdout

    async with make_gateway(database_url=database_url) as gw:
        token = await gw.login("ada@example.com", PASSWORD)
        me = (await gw.client.get("/api/v1/auth/me", headers=bearer(token))).json()

    assert "星辰咖啡" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    assert me["workspace"] == {"id": workspace_id.group(1), "name": "星辰咖啡"}
    assert me["operator"]["id"] == operator_id.group(1)
    assert me["operator"]["role"] == "owner"
    assert message_names(tmp_path / "data" / "mail") == []  # nobody was mailed


async def test_an_address_with_an_account_is_refused_and_nothing_is_added(
    make_gateway: GatewayFactory, database_url: str, tmp_path: Path
) -> None:
    async with make_gateway(database_url=database_url) as gw:
        await gw.signup("ada@example.com")

    again = await _create_owner(
        database_url,
        tmp_path,
        "--email",
        "ADA@example.com",
        "--workspace",
        "Second desk",
        "--password-stdin",
        input="another-Secret-99\n",
    )

    assert again.exit_code == 1
    assert "This address already has an account." in again.output
    assert [o.email for o in await _operators(database_url)] == ["ada@example.com"]
    assert await _workspaces(database_url) == 1


async def test_the_password_is_asked_twice_and_must_match(
    make_gateway: GatewayFactory, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)

    created = await _create_owner(
        database_url,
        tmp_path,
        "--email",
        "ada@example.com",
        "--workspace",
        "星辰",
        input=f"{PASSWORD}\nsomething-else-1\n{PASSWORD}\n{PASSWORD}\n",
    )

    assert created.exit_code == 0, created.output
    assert "do not match" in created.output
    assert PASSWORD not in created.output
    async with make_gateway(database_url=database_url) as gw:
        assert await gw.login("ada@example.com", PASSWORD)


async def test_sign_up_rules_apply_and_a_refusal_creates_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url)

    async def attempt(email: str, password: str, workspace: str = "星辰") -> Any:
        return await _create_owner(
            database_url,
            tmp_path,
            "--email",
            email,
            "--workspace",
            workspace,
            "--password-stdin",
            input=password + "\n",
        )

    weak = await attempt("ada@example.com", "short1")
    plain = await attempt("ada@example.com", "onlylowercaseletters")
    malformed = await attempt("ada-at-example.com", PASSWORD)
    unnamed = await attempt("ada@example.com", PASSWORD, workspace="")
    empty = await attempt("ada@example.com", "")

    assert weak.exit_code == 1
    assert "password: must be at least 10 characters long" in weak.output
    assert plain.exit_code == 1
    assert "must mix at least two kinds of characters" in plain.output
    assert malformed.exit_code == 1
    assert "email: value is not a valid email address" in malformed.output
    assert unnamed.exit_code == 1
    assert "workspace_name: must be 1 to 200 characters long" in unnamed.output
    assert empty.exit_code == 1
    assert "no password on standard input" in empty.output
    for refused in (weak, plain, malformed, unnamed):
        assert "short1" not in refused.output
        assert PASSWORD not in refused.output
    assert await _operators(database_url) == []
    assert await _workspaces(database_url) == 0


async def test_a_database_without_tables_says_to_migrate(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"

    refused = await _create_owner(
        database_url,
        tmp_path,
        "--email",
        "ada@example.com",
        "--workspace",
        "星辰",
        "--password-stdin",
        input=PASSWORD + "\n",
    )

    assert refused.exit_code == 1
    assert "could not be used" in refused.output
    assert "gateway migrate" in refused.output
