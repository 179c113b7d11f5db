"""Publishing with per-channel options: a WeChat channel may mass-send the post to its
followers (all, or a segment's tag), now or at the scheduled time; bad options are 422s
naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.posts.publishing import publish_due
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.posts.outbox import published_events

POSTS = "/api/v1/posts"


async def _publish(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{POSTS}/{post_id}/publish", json=body, headers=ws.headers("owner"))


async def test_a_mass_send_to_a_wechat_channel_travels_with_the_post(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    body = {
        "channel_ids": [wechat, weibo],
        "channel_options": {wechat: {"mode": "mass_send", "segment_id": "seg-1"}},
    }
    response = await _publish(client, workspace, post["id"], body)
    assert response.status_code == 200, response.text
    [snapshot] = await published_events(runtime)
    assert {k: v.model_dump() for k, v in snapshot.channel_options.items()} == {
        wechat: {"mode": "mass_send", "segment_id": "seg-1"}
    }


async def test_a_scheduled_mass_send_carries_its_options_when_it_goes_out(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    wechat = await known_channel(platform="wechat_oa")
    when = datetime.now(UTC) + timedelta(hours=2)
    body = {
        "channel_ids": [wechat],
        "scheduled_at": when.isoformat(),
        "channel_options": {wechat: {"mode": "mass_send"}},
    }
    response = await _publish(client, workspace, post["id"], body)
    assert response.status_code == 200, response.text
    assert await published_events(runtime) == []
    async with runtime.db.transaction() as session:
        assert await publish_due(session, now=when + timedelta(seconds=1)) == 1
    [snapshot] = await published_events(runtime)
    assert snapshot.channel_options[wechat].mode == "mass_send"
    assert snapshot.channel_options[wechat].segment_id is None


async def test_bad_channel_options_are_422_naming_the_field(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    other = await known_channel(platform="wechat_oa")
    cases: list[tuple[dict[str, Any], str]] = [
        ({weibo: {"mode": "mass_send"}}, f"channel_options.{weibo}.mode"),
        ({other: {"mode": "mass_send"}}, f"channel_options.{other}"),
        ({wechat: {"mode": "publish", "segment_id": "s"}}, f"channel_options.{wechat}.segment_id"),
        ({wechat: {"mode": "broadcast"}}, f"channel_options.{wechat}.mode"),
    ]
    for options, field in cases:
        body = {"channel_ids": [wechat, weibo], "channel_options": options}
        response = await _publish(client, workspace, post["id"], body)
        assert response.status_code == 422, (options, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"] for error in response.json()["errors"]], response.text
    assert await published_events(runtime) == []
