"""Channels missing from the local copy are checked with channel-svc, over real HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest
from content_svc.models import OutboxMessage
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select

from tests.content_svc.factories import (
    ChannelFactory,
    ChannelServiceStandIn,
    PostFactory,
    Workspace,
)

POSTS = "/api/v1/posts"


@pytest.fixture
def channel_svc_url(channel_service: ChannelServiceStandIn) -> str:
    return channel_service.url


async def _events(runtime: ServiceRuntime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_a_channel_channel_svc_knows_can_be_published_to(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    channel_service: ChannelServiceStandIn,
) -> None:
    channel = str(uuid.uuid4())
    channel_service.live.add(channel)
    post = await create_post()
    headers = workspace.headers("owner")

    response = await client.post(
        f"{POSTS}/{post['id']}/publish", json={"channel_ids": [channel]}, headers=headers
    )

    assert response.status_code == 200, response.text
    [row] = response.json()["channels"]
    assert (row["channel_id"], row["platform"], row["status"]) == (channel, "weibo", "pending")
    # channel-svc answered for the caller: their own token went along.
    assert channel_service.authorizations == [headers["Authorization"]]
    assert await _events(runtime) == 1


async def test_channels_of_the_local_copy_are_not_looked_up(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    channel_service: ChannelServiceStandIn,
) -> None:
    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [await known_channel()]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 200
    assert channel_service.authorizations == []


async def test_a_channel_channel_svc_does_not_know_is_422_naming_it(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    channel_service: ChannelServiceStandIn,
) -> None:
    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [await known_channel(), str(uuid.uuid4())]},
        headers=workspace.headers("owner"),
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["channel_ids.1"]
    assert len(channel_service.authorizations) == 1
    assert await _events(runtime) == 0


async def test_a_slow_channel_svc_is_503(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    channel_service: ChannelServiceStandIn,
) -> None:
    channel = str(uuid.uuid4())
    channel_service.live.add(channel)
    channel_service.slow.add(channel)
    post = await create_post()

    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )

    assert response.status_code == 503
    assert response.json()["detail"] == "cannot verify channels: channel-svc unavailable"
    assert await _events(runtime) == 0
    draft = (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()
    assert draft["status"] == "draft"
