"""Publishing with per-channel options: a WeChat channel may mass-send the post to its
followers (all, or a segment's tag), now or at the scheduled time; bad options are 422s
naming the field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from content_svc.posts.publishing import publish_due
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library
from tests.content_svc.posts.outbox import published_events

POSTS = "/api/v1/posts"
Publish = Callable[[dict[str, Any]], Awaitable[httpx.Response]]


@pytest.fixture
async def publish(
    client: httpx.AsyncClient, workspace: Workspace, create_post: PostFactory
) -> Publish:
    """Publishes one new post of the workspace (as its owner) with the body given."""
    post = await create_post()

    async def send(body: dict[str, Any]) -> httpx.Response:
        return await client.post(
            f"{POSTS}/{post['id']}/publish", json=body, headers=workspace.headers("owner")
        )

    return send


@pytest.fixture
async def wechat(known_channel: ChannelFactory) -> str:
    """A WeChat official account channel of the workspace."""
    return await known_channel(platform="wechat_oa")


async def test_a_mass_send_to_a_wechat_channel_travels_with_the_post(
    runtime: ServiceRuntime, publish: Publish, wechat: str, known_channel: ChannelFactory
) -> None:
    weibo = await known_channel(platform="weibo")
    body = {
        "channel_ids": [wechat, weibo],
        "channel_options": {wechat: {"mode": "mass_send", "segment_id": "seg-1"}},
    }
    response = await publish(body)
    assert response.status_code == 200, response.text
    [snapshot] = await published_events(runtime)
    assert {k: v.model_dump() for k, v in snapshot.channel_options.items()} == {
        wechat: {"mode": "mass_send", "segment_id": "seg-1"}
    }


async def test_a_scheduled_mass_send_carries_its_options_when_it_goes_out(
    runtime: ServiceRuntime, publish: Publish, wechat: str
) -> None:
    when = datetime.now(UTC) + timedelta(hours=2)
    body = {
        "channel_ids": [wechat],
        "scheduled_at": when.isoformat(),
        "channel_options": {wechat: {"mode": "mass_send"}},
    }
    response = await publish(body)
    assert response.status_code == 200, response.text
    assert await published_events(runtime) == []
    async with runtime.db.transaction() as session:
        assert (
            await publish_due(session, media_library(runtime), now=when + timedelta(seconds=1)) == 1
        )
    [snapshot] = await published_events(runtime)
    assert snapshot.channel_options[wechat].mode == "mass_send"
    assert snapshot.channel_options[wechat].segment_id is None


async def test_bad_channel_options_are_422_naming_the_field(
    runtime: ServiceRuntime, publish: Publish, wechat: str, known_channel: ChannelFactory
) -> None:
    weibo = await known_channel(platform="weibo")
    other = await known_channel(platform="wechat_oa")
    cases: list[tuple[dict[str, Any], str]] = [
        ({weibo: {"mode": "mass_send"}}, f"channel_options.{weibo}.mode"),
        ({other: {"mode": "mass_send"}}, f"channel_options.{other}"),
        ({wechat: {"mode": "publish", "segment_id": "s"}}, f"channel_options.{wechat}.segment_id"),
        ({wechat: {"mode": "broadcast"}}, f"channel_options.{wechat}.mode"),
    ]
    for options, field in cases:
        response = await publish({"channel_ids": [wechat, weibo], "channel_options": options})
        assert response.status_code == 422, (options, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"] for error in response.json()["errors"]], response.text
    assert await published_events(runtime) == []
