"""Events from channel-svc: delivery outcomes on the post, and the local copy of channels."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from content_svc.consumers import HANDLERS
from content_svc.models import ProcessedEvent
from event_contracts import (
    CloudEvent,
    DistributionFailedV1,
    DistributionSucceededV1,
    FailureReason,
)
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, channel_changed

POSTS = "/api/v1/posts"
T0 = datetime(2025, 3, 18, 2, 0, tzinfo=UTC)


def succeeded(
    post: dict[str, Any],
    channel_id: str,
    *,
    at: datetime = T0,
    distribution_id: str | None = None,
    url: str = "https://mp.weixin.qq.com/s/AbCd",
) -> CloudEvent:
    payload = DistributionSucceededV1(
        distribution_id=distribution_id or str(uuid.uuid4()),
        post_id=post["id"],
        channel_id=channel_id,
        workspace_id=post["workspace_id"],
        platform="wechat",
        external_id="2247483921_1",
        url=url,
        attempts=1,
        succeeded_at=at,
    )
    return CloudEvent.create(
        "distribution.succeeded", "/channel-svc", post["id"], post["workspace_id"], payload
    )


def failed(
    post: dict[str, Any],
    channel_id: str,
    *,
    at: datetime = T0,
    distribution_id: str | None = None,
    code: str = "sensitive_word",
) -> CloudEvent:
    payload = DistributionFailedV1(
        distribution_id=distribution_id or str(uuid.uuid4()),
        post_id=post["id"],
        channel_id=channel_id,
        workspace_id=post["workspace_id"],
        platform="wechat",
        reasons=[FailureReason(code=code, message="正文包含敏感词“内幕”", position=42)],
        attempts=1,
        failed_at=at,
        retryable=False,
    )
    return CloudEvent.create(
        "distribution.failed", "/channel-svc", post["id"], post["workspace_id"], payload
    )


@pytest.fixture
async def published(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> tuple[dict[str, Any], str]:
    """A post published to one channel, with its workspace id, and that channel."""
    post = await create_post()
    channel = await known_channel()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 200
    return {**post, "workspace_id": workspace.id}, channel


async def apply(runtime: ServiceRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, HANDLERS[event.type])


async def delivery(
    client: httpx.AsyncClient, workspace: Workspace, post: dict[str, Any]
) -> dict[str, Any]:
    response = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())
    [channel] = response.json()["channels"]
    result: dict[str, Any] = channel
    return result


async def test_a_success_shows_the_platform_copy(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    before = await delivery(client, workspace, post)
    assert before["status"] == "pending"

    assert await apply(runtime, succeeded(post, channel))

    after = await delivery(client, workspace, post)
    assert after["status"] == "succeeded"
    assert after["url"] == "https://mp.weixin.qq.com/s/AbCd"
    assert after["external_id"] == "2247483921_1"
    assert after["platform"] == "wechat"
    assert after["reasons"] == []
    assert after["updated_at"] > before["updated_at"]


async def test_a_failure_shows_the_reasons(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    assert await apply(runtime, failed(post, channel))

    after = await delivery(client, workspace, post)
    assert after["status"] == "failed"
    assert after["url"] is None
    assert after["reasons"] == [
        {"code": "sensitive_word", "message": "正文包含敏感词“内幕”", "position": 42}
    ]


async def test_the_same_event_twice_is_applied_once(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    event = succeeded(post, channel)

    assert await apply(runtime, event) is True
    first = await delivery(client, workspace, post)
    assert await apply(runtime, event) is False

    assert await delivery(client, workspace, post) == first
    async with runtime.db.transaction() as session:
        recorded = await session.scalar(
            select(func.count()).where(ProcessedEvent.event_id == event.id)
        )
    assert recorded == 1


async def test_an_older_failure_does_not_undo_a_success(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    assert await apply(runtime, succeeded(post, channel, at=T0))

    assert await apply(runtime, failed(post, channel, at=T0 - timedelta(seconds=5)))

    after = await delivery(client, workspace, post)
    assert after["status"] == "succeeded"
    assert after["url"] == "https://mp.weixin.qq.com/s/AbCd"
    assert after["reasons"] == []


async def test_a_later_failure_of_the_same_distribution_does_not_undo_its_success(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    distribution = str(uuid.uuid4())
    assert await apply(runtime, succeeded(post, channel, distribution_id=distribution))

    late = failed(post, channel, at=T0 + timedelta(minutes=1), distribution_id=distribution)
    assert await apply(runtime, late)

    assert (await delivery(client, workspace, post))["status"] == "succeeded"


async def test_a_post_the_platform_took_down_shows_as_taken_down_with_its_url(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    distribution = str(uuid.uuid4())
    assert await apply(runtime, succeeded(post, channel, distribution_id=distribution))
    removed = failed(
        post,
        channel,
        at=T0 + timedelta(hours=5),
        distribution_id=distribution,
        code="deleted_after_publishing",
    )
    assert await apply(runtime, removed)

    shown = await delivery(client, workspace, post)
    assert shown["status"] == "taken_down"
    assert shown["url"] == "https://mp.weixin.qq.com/s/AbCd"
    assert shown["reasons"][0]["code"] == "deleted_after_publishing"


async def test_a_newer_outcome_replaces_an_older_one(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    assert await apply(runtime, failed(post, channel, at=T0))
    retried = succeeded(post, channel, at=T0 + timedelta(minutes=1), url="https://weibo.com/1")
    assert await apply(runtime, retried)
    # The first success arrives late: it must not replace the newer one.
    assert await apply(runtime, succeeded(post, channel, at=T0 + timedelta(seconds=30)))

    after = await delivery(client, workspace, post)
    assert after["status"] == "succeeded"
    assert after["url"] == "https://weibo.com/1"
    assert after["reasons"] == []


async def test_outcomes_for_unknown_posts_or_channels_are_ignored(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    published: tuple[dict[str, Any], str],
) -> None:
    post, channel = published
    unknown_post = {"id": str(uuid.uuid4()), "workspace_id": workspace.id}
    foreign = {**post, "workspace_id": other_workspace.id}

    assert await apply(runtime, succeeded(unknown_post, channel))
    assert await apply(runtime, succeeded(post, str(uuid.uuid4())))
    assert await apply(runtime, succeeded(foreign, channel))

    assert (await delivery(client, workspace, post))["status"] == "pending"


async def test_an_older_channel_change_does_not_undo_a_newer_one(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    channel = str(uuid.uuid4())
    deleted = channel_changed(workspace.id, channel, deleted=True, changed_at=T0)
    stale = channel_changed(workspace.id, channel, changed_at=T0 - timedelta(hours=1))
    assert await apply(runtime, deleted)
    assert await apply(runtime, stale)

    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel_ids.0"


async def test_a_restored_channel_can_be_published_to_again(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    channel = str(uuid.uuid4())
    assert await apply(runtime, channel_changed(workspace.id, channel, deleted=True, changed_at=T0))
    restored = channel_changed(workspace.id, channel, changed_at=T0 + timedelta(minutes=1))
    assert await apply(runtime, restored)

    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 200


async def test_a_channel_change_naming_another_workspace_never_moves_the_channel(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    channel = await known_channel(changed_at=T0)
    # A newer change of the same id, but for another workspace: a bug or a forgery.
    hijack = channel_changed(other_workspace.id, channel, changed_at=T0 + timedelta(minutes=1))
    assert await apply(runtime, hijack)  # applied once (recorded), and ignored

    theirs = await create_post(other_workspace)
    taken = await client.post(
        f"{POSTS}/{theirs['id']}/publish",
        json={"channel_ids": [channel]},
        headers=other_workspace.headers("owner"),
    )
    assert taken.status_code == 422, taken.text
    assert taken.json()["errors"][0]["field"] == "channel_ids.0"

    mine = await create_post()
    kept = await client.post(
        f"{POSTS}/{mine['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert kept.status_code == 200, kept.text
