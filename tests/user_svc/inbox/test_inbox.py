"""The inbox: questions and direct messages, most urgent first, assigned, answered, closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.user_svc.conftest import Ingest, Workspace, interaction

CHANNEL = "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"


async def open_inbox(client: httpx.AsyncClient, workspace: Workspace, **params: str) -> list[str]:
    response = await client.get("/api/v1/inbox", params=params, headers=workspace.headers())
    assert response.status_code == 200, response.text
    return [item["interaction"]["external_id"] for item in response.json()["items"]]


async def test_questions_and_messages_wait_in_order_of_time_and_engagement(
    client: httpx.AsyncClient, workspace: Workspace, ingest: Ingest
) -> None:
    now = datetime.now(UTC)
    # A loyal fan: twenty shares yesterday make a score near 100 (a 12-hour head start).
    await ingest(
        *[
            interaction(
                f"s-{i}", "fan", kind="share", text=None, occurred_at=now - timedelta(days=1)
            )
            for i in range(20)
        ]
    )
    await ingest(
        interaction(
            "q-new-visitor", "visitor", text="怎么报名？", occurred_at=now - timedelta(hours=3)
        ),
        interaction("q-fan", "fan", text="下期什么时候出？", occurred_at=now - timedelta(hours=1)),
        interaction(
            "q-other",
            "other",
            text="Is there a student discount?",
            occurred_at=now - timedelta(hours=2),
        ),
        interaction(
            "dm",
            "writer",
            kind="direct_message",
            text="合作请联系我",
            occurred_at=now - timedelta(minutes=10),
        ),
        interaction("praise", "visitor", text="写得真好！", occurred_at=now - timedelta(hours=5)),
        interaction("like", "other", kind="like", text=None),
    )
    assert await open_inbox(client, workspace) == ["q-fan", "q-new-visitor", "q-other", "dm"]
    assert await open_inbox(client, workspace, reason="direct_message") == ["dm"]

    # Pages keep the order and meet without gaps.
    first = await client.get("/api/v1/inbox", params={"limit": 3}, headers=workspace.headers())
    page = first.json()
    second = await client.get(
        "/api/v1/inbox",
        params={"limit": 3, "cursor": page["next_cursor"]},
        headers=workspace.headers(),
    )
    assert [i["interaction"]["external_id"] for i in page["items"] + second.json()["items"]] == [
        "q-fan",
        "q-new-visitor",
        "q-other",
        "dm",
    ]
    assert second.json()["next_cursor"] is None
    item = page["items"][1]
    assert item["reason"] == "question"
    assert item["waiting_seconds"] >= 3 * 3600 - 5
    assert item["member"]["engagement_score"] > 0


async def test_assign_answer_close_and_reopen(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    await ingest(
        interaction("q-1", "a", text="如何退款？", channel_id=CHANNEL, platform_status_id="49001"),
        interaction("q-2", "b", text="What time is the live stream?"),
    )
    items = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    by_question = {item["interaction"]["external_id"]: item["id"] for item in items}
    first, second = by_question["q-1"], by_question["q-2"]

    assigned = await client.post(
        f"/api/v1/inbox/{first}/assign", json={"assignee_id": "me"}, headers=workspace.headers()
    )
    assert assigned.json()["assignee_id"] == workspace.user_id
    assert await open_inbox(client, workspace, assignee_id="me") == ["q-1"]
    assert await open_inbox(client, workspace, unassigned="true") == ["q-2"]

    answered = await client.post(
        f"/api/v1/inbox/{first}/answer",
        json={"text": "在订单页点击退款即可"},
        headers=workspace.headers(),
    )
    assert answered.status_code == 202
    assert answered.json()["status"] == "answered"
    assert answered.json()["answer"]["status"] == "pending"
    assert answered.json()["answer_text"] == "在订单页点击退款即可"
    assert answered.json()["answered_by"] == workspace.user_id

    closed = await client.post(f"/api/v1/inbox/{second}/close", headers=workspace.headers())
    assert closed.json()["status"] == "closed"
    assert await open_inbox(client, workspace) == []
    assert await open_inbox(client, workspace, status="answered") == ["q-1"]

    again = await client.post(
        f"/api/v1/inbox/{second}/answer", json={"text": "晚上八点"}, headers=workspace.headers()
    )
    assert again.status_code == 409
    reopened = await client.post(f"/api/v1/inbox/{second}/reopen", headers=workspace.headers())
    assert reopened.json()["status"] == "open"
    assert await open_inbox(client, workspace) == ["q-2"]

    analyst = await client.post(
        f"/api/v1/inbox/{second}/close", headers=workspace.headers("analyst")
    )
    assert analyst.status_code == 403
    foreign = await client.post(f"/api/v1/inbox/{second}/close", headers=other_workspace.headers())
    assert foreign.status_code == 404
    empty = await client.post(
        f"/api/v1/inbox/{second}/answer", json={"text": ""}, headers=workspace.headers()
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "text"
