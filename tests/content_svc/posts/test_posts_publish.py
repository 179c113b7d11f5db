"""Publishing a post: live channels only, one `post.published` in the outbox, safe retries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from content_svc.models import OutboxMessage
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace

POSTS = "/api/v1/posts"


async def _outbox(runtime: ServiceRuntime) -> list[OutboxMessage]:
    async with runtime.db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage))).all())


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem["errors"]]


async def _publish(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channel_ids: list[str], role: str
) -> httpx.Response:
    return await client.post(
        f"{POSTS}/{post_id}/publish", json={"channel_ids": channel_ids}, headers=ws.headers(role)
    )


async def test_publishing_to_a_known_channel_writes_one_event_with_the_snapshot(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(
        title="春季新品发布会回顾",
        body_markdown="# 回顾\n\n[官网](https://example.com)",
        summary="三大亮点",
        cover_url="https://cdn.example.com/c.jpg",
        tags=["新品"],
        keywords=["春季", "发布会"],
    )
    wechat = await known_channel(platform="wechat")
    weibo = await known_channel(platform="weibo")

    response = await _publish(client, workspace, post["id"], [wechat, weibo], "owner")

    assert response.status_code == 200, response.text
    published = response.json()
    assert published["status"] == "published"
    assert published["published_at"] is not None
    assert {(c["channel_id"], c["platform"], c["status"]) for c in published["channels"]} == {
        (wechat, "wechat", "pending"),
        (weibo, "weibo", "pending"),
    }
    fetched = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("analyst"))
    assert fetched.json() == published

    [row] = await _outbox(runtime)
    assert row.topic == "post.published"
    assert row.key == post["id"].encode()
    event = CloudEvent.from_bytes(row.value)
    assert event.type == "post.published"
    assert event.source == "/content-svc"
    assert event.subject == post["id"]
    assert event.workspaceid == workspace.id
    snapshot = event.payload()
    assert isinstance(snapshot, PostPublishedV1)
    assert snapshot.model_dump(mode="json") == {
        "post_id": post["id"],
        "workspace_id": workspace.id,
        "version": 1,
        "title": "春季新品发布会回顾",
        "body_markdown": "# 回顾\n\n[官网](https://example.com)",
        "body_html": post["body_html"],
        "summary": "三大亮点",
        "cover_url": "https://cdn.example.com/c.jpg",
        "media": [],  # no library media
        "tags": ["新品"],
        "keywords": ["春季", "发布会"],
        "channel_ids": [wechat, weibo],
        "author_id": workspace.user_id,
        "published_at": published["published_at"].replace("+00:00", "Z"),
        "campaign_id": None,
        "channel_options": {},
        "variants": {},
        "send_at": {},  # every channel now, none waits for a queue slot
        "occurrence": 0,  # the post's own publication, not a recurrence's
    }
    assert 'rel="noopener noreferrer"' in snapshot.body_html


async def test_publishing_again_is_safe_and_another_channel_set_is_a_conflict(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    first, second = await known_channel(), await known_channel()
    done = await _publish(client, workspace, post["id"], [first, second], "owner")
    assert done.status_code == 200

    again = await _publish(client, workspace, post["id"], [second, first.upper()], "owner")
    assert again.status_code == 200
    assert again.json() == done.json()

    other = await _publish(client, workspace, post["id"], [first], "owner")
    assert other.status_code == 409
    problem = other.json()
    assert "already published" in problem["detail"]
    assert sorted(problem["published_channel_ids"]) == sorted([first, second])

    assert len(await _outbox(runtime)) == 1


@pytest.mark.parametrize("role", ["analyst", "reviewer"])
async def test_readers_cannot_publish(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    role: str,
) -> None:
    post = await create_post()
    response = await _publish(client, workspace, post["id"], [await known_channel()], role)
    assert response.status_code == 403
    assert await _outbox(runtime) == []


async def test_deleted_and_foreign_channels_are_422_naming_each(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    live = await known_channel()
    deleted = await known_channel(deleted=True)
    foreign = await known_channel(other_workspace)

    response = await _publish(client, workspace, post["id"], [live, deleted, foreign], "owner")

    assert response.status_code == 422
    problem = response.json()
    assert _fields(problem) == ["channel_ids.1", "channel_ids.2"]
    assert "deleted" in problem["errors"][0]["message"]
    assert "unknown" in problem["errors"][1]["message"]
    still = (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()
    assert still["status"] == "draft"
    assert still["channels"] == []
    assert await _outbox(runtime) == []


@pytest.mark.parametrize(
    ("channel_ids", "fields"),
    [
        (["not-a-channel"], ["channel_ids.0"]),
        (["same", "same"], ["channel_ids.0", "channel_ids.1"]),
    ],
)
async def test_malformed_or_repeated_channel_ids_are_422(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    channel_ids: list[str],
    fields: list[str],
) -> None:
    post = await create_post()
    response = await _publish(client, workspace, post["id"], channel_ids, "owner")
    assert response.status_code == 422
    assert _fields(response.json()) == fields


async def test_a_repeated_channel_is_named(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel()
    response = await _publish(client, workspace, post["id"], [channel, channel], "owner")
    assert response.status_code == 422
    assert _fields(response.json()) == ["channel_ids.1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel_ids": []}, "channel_ids"),
        ({"channel_ids": [str(uuid.uuid4()) for _ in range(51)]}, "channel_ids"),
        ({}, "channel_ids"),
        ({"channel_ids": ["x"], "when": "now"}, "when"),
    ],
)
async def test_bad_publish_bodies_are_422(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    body: dict[str, Any],
    field: str,
) -> None:
    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish", json=body, headers=workspace.headers("owner")
    )
    assert response.status_code == 422
    assert field in _fields(response.json())


async def test_an_unknown_channel_with_channel_svc_down_is_503(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    # The runtime's channel-svc URL is a port nobody listens on.
    post = await create_post()
    response = await _publish(client, workspace, post["id"], [str(uuid.uuid4())], "owner")
    assert response.status_code == 503
    assert response.json()["detail"] == "cannot verify channels: channel-svc unavailable"
    assert await _outbox(runtime) == []
