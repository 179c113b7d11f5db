"""PIPL erasure across services: user-svc and content-svc running with their relays and
consumers on a broker of this test's own, so that everything on it is this test's.

A member asks questions until content-svc makes a user-need idea of them; an owner erases
the member through user-svc's API; within seconds no table of content-svc holds the
member's id or text, and user-svc's outbox holds none of their text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from content_svc.app import create_app as create_content_app
from content_svc.app import create_runtime as create_content_runtime
from content_svc.models import Base as ContentBase
from content_svc.settings import Settings as ContentSettings
from devstack.broker import Broker
from devstack.ports import free_port
from servicekit.runtime import ServiceRuntime
from servicekit.settings import SharedSettings
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url
from user_svc.models import Base as UserBase

from tests.user_svc.conftest import Ingest, Workspace, interaction

ERASED_QUESTIONS = ["咖啡豆开封后怎么保存？", "咖啡豆放冰箱可以吗？"]
OTHERS = {"u-bob": "请问咖啡豆保存多久？", "u-carol": "咖啡豆要密封保存吗？"}


@pytest.fixture
def broker() -> Iterator[Broker]:
    instance = Broker(port=free_port())
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
async def content_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """content-svc's own database, of the same kind as user-svc's (`database_url`)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/content.db"
        return
    name = f"{url.database}_content"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield url.set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def content(
    content_database_url: str, shared_settings: SharedSettings
) -> AsyncIterator[ServiceRuntime]:
    runtime = create_content_runtime(
        ContentSettings(database_url=content_database_url, shared=shared_settings)
    )
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(ContentBase.metadata.create_all)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def everything_in(runtime: ServiceRuntime, metadata: MetaData) -> str:
    """Every row of every table of the service, as one text to search."""
    found: list[str] = []
    async with runtime.db.transaction() as session:
        for table in metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values = [
                    value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    for value in row
                ]
                found.append(json.dumps(values, ensure_ascii=False, default=str))
    return "\n".join(found)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.1)
        return result


async def test_an_erased_member_vanishes_from_content_svc_and_user_svcs_outbox(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    content: ServiceRuntime,
    workspace: Workspace,
    ingest: Ingest,
) -> None:
    await runtime.start()  # user-svc's relay: its outbox goes to the broker
    try:
        asked = await ingest(
            *(
                interaction(f"q-{n}", "u-alice", text=text, platform="wechat_oa")
                for n, text in enumerate(ERASED_QUESTIONS)
            ),
            *(interaction(f"q-{a}", a, text=text) for a, text in OTHERS.items()),
        )
        alice = asked["items"][0]["member_id"]
        transport = httpx.ASGITransport(app=create_content_app(content))
        async with httpx.AsyncClient(transport=transport, base_url="http://content") as ideas:

            async def need() -> dict[str, Any] | None:
                response = await ideas.get(
                    "/api/v1/ideas", params={"origin": "user_need"}, headers=workspace.headers()
                )
                items = response.json()["items"]
                return items[0] if items and items[0]["asker_count"] == 3 else None

            idea = await eventually(need)
            assert set(ERASED_QUESTIONS) & set(idea["sample_questions"])
            assert alice in await everything_in(content, ContentBase.metadata)

            erased = await client.post(
                f"/api/v1/members/{alice}/erase", headers=workspace.headers("owner")
            )
            assert erased.status_code == 200, erased.text

            async def forgotten() -> bool:
                held = await everything_in(content, ContentBase.metadata)
                return alice not in held and not any(q in held for q in ERASED_QUESTIONS)

            await eventually(forgotten)
            [idea] = (
                await ideas.get(
                    "/api/v1/ideas", params={"origin": "user_need"}, headers=workspace.headers()
                )
            ).json()["items"]
            assert idea["asker_count"] == 2
            assert sorted(idea["sample_questions"]) == sorted(OTHERS.values())

        # user-svc, its outbox included (rows are kept for days after delivery).
        held = await everything_in(runtime, UserBase.metadata)
        assert not any(q in held for q in ERASED_QUESTIONS)
        assert all(q in held for q in OTHERS.values())  # only the erased member's text
    finally:
        await runtime.stop()
