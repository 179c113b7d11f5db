"""The posting queue when metrics-svc cannot be reached: slots in time order, no failure."""

from __future__ import annotations

import httpx
import pytest
from devstack.ports import free_port

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.queue.helpers import at, queued_at, same_moment, weibo_with_slots


@pytest.fixture
def metrics_svc_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def test_an_unreachable_metrics_svc_leaves_the_slot_order(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(client, workspace, known_channel, "20:00", "09:00")
    post = await create_post()

    assert same_moment(await queued_at(client, workspace, post["id"], [channel]), at(day, 9))
