"""The posting queue when metrics-svc cannot be reached: slots in time order, no failure."""

from __future__ import annotations

import httpx
import pytest
from devstack.ports import free_port

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.queue.helpers import add_slot, at, queued_at, same_moment, tomorrow


@pytest.fixture
def metrics_svc_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def test_an_unreachable_metrics_svc_leaves_the_slot_order(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day = tomorrow()
    channel = await known_channel(platform="weibo")
    await add_slot(client, workspace, channel, day.weekday(), "20:00")
    await add_slot(client, workspace, channel, day.weekday(), "09:00")
    post = await create_post()

    assert same_moment(await queued_at(client, workspace, post["id"], [channel]), at(day, 9))
