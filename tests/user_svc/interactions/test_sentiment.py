"""Every interaction with text carries its sentiment: stored, returned, filtered on (list and
inbox), carried by `interaction.received`, and given to the rows stored before it existed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from event_contracts import InteractionReceivedV1
from servicekit.db import Database
from servicekit.migrations import upgrade
from servicekit.runtime import ServiceRuntime
from sqlalchemy import text
from user_svc.__main__ import MIGRATIONS

from tests.user_svc.conftest import Ingest, Workspace, interaction
from tests.user_svc.interactions.test_interactions import outbox_events


async def _listed(
    client: httpx.AsyncClient, workspace: Workspace, path: str, **params: str
) -> list[str]:
    response = await client.get(path, params=params, headers=workspace.headers())
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return sorted(i.get("interaction", i)["external_id"] for i in items)


async def test_sentiment_is_stored_returned_and_carried_by_the_event(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest, runtime: ServiceRuntime
) -> None:
    created = await client.post(
        "/api/v1/interactions",
        json=interaction("c-1", "u-1", text="质量太差了，很失望"),
        headers=workspace.headers("editor"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["sentiment"] == "negative"
    await ingest(
        interaction("c-2", "u-2", text="写得太好了，收藏了"),
        interaction("c-3", "u-3", text="Where can I download the file?"),
        interaction("c-4", "u-2", kind="like", text=None),
    )
    fetched = await client.get(
        f"/api/v1/interactions/{created.json()['id']}", headers=workspace.headers()
    )
    assert fetched.json()["sentiment"] == "negative"

    events = [InteractionReceivedV1.model_validate(e.data) for e in await outbox_events(runtime)]
    assert {e.external_id: e.sentiment for e in events} == {
        "c-1": "negative",
        "c-2": "positive",
        "c-3": "neutral",
        "c-4": None,  # a like has no text
    }


async def test_the_list_and_the_inbox_filter_by_sentiment_within_the_workspace(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    await ingest(
        interaction("m-1", "u-1", kind="direct_message", text="客服根本不回消息，太差了"),
        interaction("m-2", "u-2", kind="direct_message", text="谢谢，收到了，非常满意"),
        interaction("q-1", "u-3", text="请问几点开始直播？"),
        interaction("c-1", "u-4", text="垃圾产品，别买"),
    )
    await ingest(interaction("x-1", "u-9", text="太失望了"), ws=other_workspace)

    path = "/api/v1/interactions"
    assert await _listed(client, workspace, path, sentiment="negative") == ["c-1", "m-1"]
    assert await _listed(client, workspace, path, sentiment="positive") == ["m-2"]
    assert await _listed(client, other_workspace, path, sentiment="negative") == ["x-1"]
    assert await _listed(client, workspace, "/api/v1/inbox", sentiment="negative") == ["m-1"]
    assert await _listed(client, workspace, "/api/v1/inbox", sentiment="neutral") == ["q-1"]
    assert await _listed(client, workspace, "/api/v1/inbox") == ["m-1", "m-2", "q-1"]

    for listing in (path, "/api/v1/inbox"):
        wrong = await client.get(
            listing, params={"sentiment": "angry"}, headers=workspace.headers()
        )
        assert wrong.status_code == 422
        assert "sentiment" in wrong.text


async def test_the_migration_scores_the_interactions_stored_before_it(database_url: str) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url, "45e34c72c40e")
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO members (id, workspace_id, attributes, engagement_raw, "
                    "interaction_count, question_count, created_at, updated_at) "
                    "VALUES ('m', 'w', '{}', 0, 0, 0, :now, :now)"
                ),
                {"now": now},
            )
            for row_id, body in [("a", "爱了爱了，太棒了"), ("b", "垃圾，取关了"), ("c", None)]:
                await connection.execute(
                    text(
                        "INSERT INTO interactions (id, workspace_id, member_id, platform, kind, "
                        "external_id, text, is_question, occurred_at, created_at) VALUES "
                        "(:id, 'w', 'm', 'weibo', 'comment', :id, :text, false, :now, :now)"
                    ),
                    {"id": row_id, "text": body, "now": now},
                )
        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(text("SELECT id, sentiment FROM interactions ORDER BY id"))
            ).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in rows] == [("a", "positive"), ("b", "negative"), ("c", None)]
