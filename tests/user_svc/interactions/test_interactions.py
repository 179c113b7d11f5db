"""Ingesting interactions: idempotent, members created on first sight, one event each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from event_contracts import CloudEvent, InteractionReceivedV1
from servicekit.runtime import ServiceRuntime
from servicekit.shapes import field_names
from sqlalchemy import select
from user_svc.interactions.repository import NewInteraction
from user_svc.models import Interaction, OutboxMessage

from tests.user_svc.conftest import Ingest, Workspace, interaction


async def outbox_events(runtime: ServiceRuntime) -> list[CloudEvent]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [CloudEvent.from_bytes(row.value) for row in rows]


async def test_a_first_interaction_from_an_unknown_identity_creates_the_member(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    body = interaction("c-1", "u-100", text="新品什么时候上市？", post_id="post-9")
    body["author"]["display_name"] = "小鱼"
    created = await client.post("/api/v1/interactions", json=body, headers=workspace.headers())
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["is_question"] is True
    assert stored["post_id"] == "post-9"

    member = (
        await client.get(f"/api/v1/members/{stored['member_id']}", headers=workspace.headers())
    ).json()
    assert member["display_name"] == "小鱼"
    assert member["identities"] == [
        {
            "id": member["identities"][0]["id"],
            "platform": "weibo",
            "external_id": "u-100",
            "handle": "@u-100",
        }
    ]
    assert member["interaction_count"] == 1
    assert member["question_count"] == 1
    assert member["first_seen_at"] == member["last_seen_at"] is not None
    assert 2.9 < member["engagement_score"] <= 3.0

    again = await client.post("/api/v1/interactions", json=body, headers=workspace.headers())
    assert again.status_code == 200
    assert again.json()["id"] == stored["id"]
    member = (
        await client.get(f"/api/v1/members/{stored['member_id']}", headers=workspace.headers())
    ).json()
    assert member["interaction_count"] == 1


async def test_a_batch_is_idempotent_and_emits_one_valid_event_per_stored_interaction(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest, runtime: ServiceRuntime
) -> None:
    first = await ingest(interaction("c-1", "u-1"))
    assert first["stored"] == 1

    batch = [
        interaction("c-1", "u-1"),  # stored before
        interaction("c-2", "u-1", kind="like", text=None),
        interaction("c-3", "u-2", text="How do I reset my password?"),
        interaction("c-2", "u-1", kind="like", text=None),  # twice in this batch
        interaction("c-2", "u-1", platform="zhihu"),  # same id on another platform
    ]
    result = await ingest(*batch)
    assert (result["received"], result["stored"], result["duplicates"]) == (5, 3, 2)
    assert result["members_created"] == 2  # u-2 on weibo, u-1 on zhihu
    statuses = [item["status"] for item in result["items"]]
    assert statuses == ["duplicate", "stored", "stored", "duplicate", "stored"]
    assert result["items"][1]["interaction_id"] == result["items"][3]["interaction_id"]
    assert result["items"][0]["interaction_id"] == first["items"][0]["interaction_id"]

    replay = await ingest(*batch)
    assert (replay["stored"], replay["duplicates"], replay["members_created"]) == (0, 5, 0)

    events = await outbox_events(runtime)
    assert len(events) == 4
    stored_ids = {first["items"][0]["interaction_id"]} | {
        item["interaction_id"] for item in result["items"] if item["status"] == "stored"
    }
    assert {event.subject for event in events} == stored_ids
    for event in events:
        assert event.type == "interaction.received"
        assert event.source == "/user-svc"
        assert event.workspaceid == workspace.id
        payload = event.payload()
        assert isinstance(payload, InteractionReceivedV1)
        assert payload.interaction_id == event.subject
    question = next(e for e in events if e.data["external_id"] == "c-3")
    assert question.data["is_question"] is True
    assert question.data["text"] == "How do I reset my password?"

    listed = await client.get(
        "/api/v1/interactions", params={"question": "true"}, headers=workspace.headers("analyst")
    )
    assert [i["external_id"] for i in listed.json()["items"]] == ["c-3"]


async def test_bad_batches_are_refused_with_the_field_named(
    client: httpx.AsyncClient, workspace: Workspace, runtime: ServiceRuntime
) -> None:
    too_many = [interaction(f"c-{i}", "u-1") for i in range(1001)]
    response = await client.post(
        "/api/v1/interactions/batch", json={"items": too_many}, headers=workspace.headers()
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "items"

    long_text = [interaction("c-1", "u-1"), interaction("c-2", "u-1", text="好" * 5001)]
    response = await client.post(
        "/api/v1/interactions/batch", json={"items": long_text}, headers=workspace.headers()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items.1.text"

    unknown_kind = interaction("c-1", "u-1", kind="poke")
    response = await client.post(
        "/api/v1/interactions", json=unknown_kind, headers=workspace.headers()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    assert await outbox_events(runtime) == []


async def test_collectors_with_the_scope_may_push_and_analysts_only_read(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    body = interaction("c-1", "u-1")
    key = await client.post(
        "/api/v1/interactions", json=body, headers=workspace.api_key("interactions:write")
    )
    assert key.status_code == 201, key.text
    for headers in (workspace.api_key("stats:write"), workspace.headers("analyst")):
        refused = await client.post(
            "/api/v1/interactions", json=interaction("c-2", "u-1"), headers=headers
        )
        assert refused.status_code == 403
    read = await client.get("/api/v1/interactions", headers=workspace.headers("analyst"))
    assert [i["external_id"] for i in read.json()["items"]] == ["c-1"]
    by_key = await client.get("/api/v1/members", headers=workspace.api_key("community:read"))
    assert by_key.status_code == 200


async def test_another_workspace_sees_nothing(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    result = await ingest(interaction("c-1", "u-1", text="有优惠吗"))
    item: dict[str, Any] = result["items"][0]
    for path in (
        f"/api/v1/interactions/{item['interaction_id']}",
        f"/api/v1/members/{item['member_id']}",
    ):
        assert (await client.get(path, headers=other_workspace.headers())).status_code == 404
    inbox = await client.get("/api/v1/inbox", headers=other_workspace.headers())
    assert inbox.json()["items"] == []
    # The same platform ids in another workspace are that workspace's own.
    theirs = await ingest(interaction("c-1", "u-1"), ws=other_workspace)
    assert theirs["stored"] == 1
    assert theirs["items"][0]["member_id"] != item["member_id"]


async def test_interests_come_from_what_members_wrote(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    result = await ingest(
        interaction("c-1", "u-1", text="这个套餐的价格是多少？价格有点贵"),
        interaction("c-2", "u-1", text="会员价格能再便宜点吗"),
        interaction("c-3", "u-2", text="Love the camera review, camera tips please"),
    )
    chinese, english = result["items"][0]["member_id"], result["items"][2]["member_id"]
    member = (await client.get(f"/api/v1/members/{chinese}", headers=workspace.headers())).json()
    assert member["interests"][0] == {"keyword": "价格", "weight": 1.0}
    member = (await client.get(f"/api/v1/members/{english}", headers=workspace.headers())).json()
    assert member["interests"][0]["keyword"] == "camera"

    found = await client.get(
        "/api/v1/members", params={"interest": "价格"}, headers=workspace.headers()
    )
    assert [m["id"] for m in found.json()["items"]] == [chinese]


async def test_a_known_member_s_activity_and_handle_follow_each_batch(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    now = datetime.now(UTC)
    first = await ingest(
        interaction("c-1", "u-1", text="价格多少？", occurred_at=now - timedelta(days=2))
    )
    member_id = first["items"][0]["member_id"]

    renamed = interaction("c-2", "u-1", kind="like", text=None, occurred_at=now - timedelta(days=5))
    later = interaction("d-1", "u-1", kind="direct_message", text="你好", occurred_at=now)
    for item in (renamed, later):
        item["author"]["handle"] = "@u-1-new"
    second = await ingest(renamed, later)
    assert second["members_created"] == 0
    assert {item["member_id"] for item in second["items"]} == {member_id}

    member = (await client.get(f"/api/v1/members/{member_id}", headers=workspace.headers())).json()
    assert (member["interaction_count"], member["question_count"]) == (3, 1)
    assert member["first_seen_at"] == (now - timedelta(days=5)).isoformat().replace("+00:00", "Z")
    assert member["last_seen_at"] == now.isoformat().replace("+00:00", "Z")
    # A comment today weighs 3, a like 1 and a message 4, each halving every 30 days.
    expected = 3 * 0.5 ** (2 / 30) + 1 * 0.5 ** (5 / 30) + 4
    assert abs(member["engagement_score"] - expected) < 0.01
    assert [i["handle"] for i in member["identities"]] == ["@u-1-new"]

    inbox = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    assert sorted((i["reason"], i["member"]["id"]) for i in inbox) == [
        ("direct_message", member_id),
        ("question", member_id),
    ]


def test_ingestion_writes_every_column_of_an_interaction() -> None:
    """The batch's rows are written without the mapped class: a column added to it must
    be added to them too, or ingestion would leave it empty."""
    assert field_names(NewInteraction) == list(Interaction.__table__.columns.keys())
