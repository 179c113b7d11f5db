"""Readers' comments that channel-svc pulled from Weibo become members and interactions:
named by our post and the status they were written under, questions in the inbox and
answerable there; a redelivered event, or the same comment pulled again, changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from event_contracts import CloudEvent, CollectedComment, CommentsCollectedV1, get_topic
from user_svc.consumers.handlers import HANDLERS
from user_svc.runtime import UserRuntime

from tests.user_svc.conftest import Workspace

CHANNEL = "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
STATUS = "4900000000000042"
POST = "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01"


def comment(cid: str, text: str, uid: str = "1900000001", name: str = "小红") -> CollectedComment:
    return CollectedComment(
        external_id=cid,
        status_id=STATUS,
        post_id=POST,
        author_id=uid,
        author_name=name,
        text=text,
        occurred_at=datetime.now(UTC) - timedelta(minutes=5),
    )


def collected(workspace: Workspace, comments: list[CollectedComment]) -> CloudEvent:
    payload = CommentsCollectedV1(
        collection_id=str(uuid.uuid4()),
        workspace_id=workspace.id,
        channel_id=CHANNEL,
        platform="weibo",
        collected_at=datetime.now(UTC),
        comments=comments,
    )
    return CloudEvent.create(
        "platform.comments.collected", "/channel-svc", payload.collection_id, workspace.id, payload
    )


async def apply(runtime: UserRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, HANDLERS[event.type])


async def test_pulled_comments_are_members_and_interactions_answerable_from_the_inbox(
    runtime: UserRuntime,
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    first = collected(
        workspace,
        [
            comment("4900000000000101", "这款什么时候上市？"),
            comment("4900000000000102", "太好看了，已下单", uid="1900000002", name="阿明"),
        ],
    )
    assert await apply(runtime, first) is True
    assert await apply(runtime, first) is False  # redelivered
    # Pulled again in a later run (another event): the same comment is still one.
    assert await apply(
        runtime, collected(workspace, [comment("4900000000000101", "这款什么时候上市？")])
    )
    listed = (
        await client.get(
            "/api/v1/interactions", params={"platform": "weibo"}, headers=workspace.headers()
        )
    ).json()["items"]
    assert sorted((i["external_id"], i["kind"], i["post_id"], i["channel_id"]) for i in listed) == [
        ("4900000000000101", "comment", POST, CHANNEL),
        ("4900000000000102", "comment", POST, CHANNEL),
    ]
    members = (
        await client.get(
            "/api/v1/members", params={"platform": "weibo"}, headers=workspace.headers()
        )
    ).json()["items"]
    assert sorted(m["display_name"] for m in members) == ["小红", "阿明"]
    # The question is in the inbox, and can be answered (it names its channel and status).
    [item] = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    assert item["interaction"]["text"] == "这款什么时候上市？"
    answer = await client.post(
        f"/api/v1/inbox/{item['id']}/answer",
        json={"text": "下周一上市，敬请期待"},
        headers=workspace.headers(),
    )
    assert answer.status_code == 202, answer.text
    foreign = await client.get("/api/v1/interactions", headers=other_workspace.headers())
    assert foreign.json()["items"] == []


def test_the_registered_example_is_what_the_handler_takes() -> None:
    topic = get_topic("platform.comments.collected")
    assert topic.name in HANDLERS
    topic.payload_model.model_validate(topic.example)
