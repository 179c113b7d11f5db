"""Inbox answers go to the platform through channel-svc: recorded pending with an
`inbox.answer.requested` event, shown sent or failed (with the reason) when
`inbox.answer.settled` comes back; a failed one can be retried, a sent one never again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from event_contracts import CloudEvent, InboxAnswerSettledV1, get_topic
from user_svc.consumers.handlers import HANDLERS
from user_svc.runtime import UserRuntime

from tests.user_svc.conftest import Ingest, Workspace, interaction
from tests.user_svc.consumers.test_followers import CHANNEL, OPENID, apply, message
from tests.user_svc.interactions.test_interactions import outbox_events

WINDOW_CLOSED = "WeChat error 45015: outside the 48-hour window"


def settled(
    workspace: Workspace, answer_id: str, attempt: int, outcome: str, **extra: Any
) -> CloudEvent:
    payload = InboxAnswerSettledV1(
        answer_id=answer_id,
        attempt=attempt,
        workspace_id=workspace.id,
        outcome=outcome,
        settled_at=datetime.now(UTC),
        **extra,
    )
    return CloudEvent.create(
        "inbox.answer.settled", "/channel-svc", str(uuid.uuid4()), workspace.id, payload
    )


async def requested(runtime: UserRuntime) -> list[dict[str, Any]]:
    return [
        event.data
        for event in await outbox_events(runtime)
        if event.type == "inbox.answer.requested"
    ]


async def followers_item(
    runtime: UserRuntime, client: httpx.AsyncClient, workspace: Workspace
) -> str:
    await apply(runtime, message(workspace, "文案", "6054768590064713728"))
    [item] = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    return str(item["id"])


async def test_an_answer_is_sent_through_channel_svc_and_shows_failed_then_sent(
    runtime: UserRuntime, client: httpx.AsyncClient, workspace: Workspace
) -> None:
    item_id = await followers_item(runtime, client, workspace)
    answered = await client.post(
        f"/api/v1/inbox/{item_id}/answer",
        json={"text": "资料包已发送"},
        headers=workspace.headers(),
    )
    assert answered.status_code == 202, answered.text
    answer = answered.json()["answer"]
    assert (answer["status"], answer["attempt"]) == ("pending", 1)
    [request] = await requested(runtime)
    assert request["answer_id"] == answer["id"]
    assert (request["channel_id"], request["platform"]) == (CHANNEL, "wechat")
    assert (request["recipient_id"], request["text"]) == (OPENID, "资料包已发送")

    # A retry of an answer still being sent is refused.
    early = await client.post(
        f"/api/v1/inbox/{item_id}/answers/{answer['id']}/retry", headers=workspace.headers()
    )
    assert early.status_code == 409

    failed = settled(
        workspace, answer["id"], 1, "failed", reason=WINDOW_CLOSED, error_code="wechat_45015"
    )
    assert await apply(runtime, failed) is True
    shown = (await client.get(f"/api/v1/inbox/{item_id}", headers=workspace.headers())).json()
    assert shown["answer"]["status"] == "failed"
    assert shown["answer"]["reason"] == WINDOW_CLOSED

    retried = await client.post(
        f"/api/v1/inbox/{item_id}/answers/{answer['id']}/retry", headers=workspace.headers()
    )
    assert retried.status_code == 202, retried.text
    assert (retried.json()["answer"]["status"], retried.json()["answer"]["attempt"]) == (
        "pending",
        2,
    )
    assert [r["attempt"] for r in await requested(runtime)] == [1, 2]

    assert await apply(runtime, settled(workspace, answer["id"], 2, "sent")) is True
    # The first attempt's outcome delivered again (another event id) changes nothing.
    assert await apply(runtime, failed) is False
    stale = settled(workspace, answer["id"], 1, "failed", reason=WINDOW_CLOSED)
    assert await apply(runtime, stale) is True
    listed = (
        await client.get(
            "/api/v1/inbox", params={"status": "answered"}, headers=workspace.headers()
        )
    ).json()["items"]
    assert listed[0]["answer"]["status"] == "sent"
    assert listed[0]["answer"]["reason"] is None

    # Sent once: never again.
    twice = await client.post(
        f"/api/v1/inbox/{item_id}/answers/{answer['id']}/retry", headers=workspace.headers()
    )
    assert twice.status_code == 409
    assert len(await requested(runtime)) == 2


async def test_answers_that_cannot_be_sent_are_refused_with_the_reason(
    runtime: UserRuntime,
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    ingest: Ingest,
) -> None:
    await ingest(
        interaction("no-channel", "a", text="怎么买？"),
        interaction("c-1", "b", text="多少钱？", channel_id=CHANNEL, platform_status_id="49001"),
    )
    items = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    by_id = {item["interaction"]["external_id"]: item["id"] for item in items}

    unknown = await client.post(
        f"/api/v1/inbox/{by_id['no-channel']}/answer",
        json={"text": "链接在简介"},
        headers=workspace.headers(),
    )
    assert unknown.status_code == 422
    assert "channel_id" in unknown.json()["detail"]

    too_long = await client.post(
        f"/api/v1/inbox/{by_id['c-1']}/answer",
        json={"text": "好" * 141},
        headers=workspace.headers(),
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "text"

    foreign = await client.post(
        f"/api/v1/inbox/{by_id['c-1']}/answer",
        json={"text": "九十九元"},
        headers=other_workspace.headers(),
    )
    assert foreign.status_code == 404

    answered = await client.post(
        f"/api/v1/inbox/{by_id['c-1']}/answer",
        json={"text": "九十九元"},
        headers=workspace.headers(),
    )
    assert answered.status_code == 202
    [request] = await requested(runtime)
    assert (request["platform"], request["recipient_id"], request["status_id"]) == (
        "weibo",
        "c-1",
        "49001",
    )
    answer_id = answered.json()["answer"]["id"]
    # Another workspace's outcome for this answer id changes nothing here.
    await apply(runtime, settled(other_workspace, answer_id, 1, "failed", reason="x"))
    shown = await client.get(f"/api/v1/inbox/{by_id['c-1']}", headers=workspace.headers())
    assert shown.json()["answer"]["status"] == "pending"
    foreign_retry = await client.post(
        f"/api/v1/inbox/{by_id['c-1']}/answers/{answer_id}/retry",
        headers=other_workspace.headers(),
    )
    assert foreign_retry.status_code == 404


def test_the_registered_example_is_what_the_handler_takes() -> None:
    topic = get_topic("inbox.answer.settled")
    assert topic.name in HANDLERS
    topic.payload_model.model_validate(topic.example)
