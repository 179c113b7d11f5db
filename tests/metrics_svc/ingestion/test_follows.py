"""Followers won and lost as WeChat pushes them (`platform.follower.changed`) move the
channel's follower figures at once; a redelivered change counts once, and the day's
figures pulled from the platform later replace the estimate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from event_contracts import CloudEvent, PlatformFollowerChangedV1
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.runtime import MetricsRuntime

from tests.metrics_svc.conftest import Seeder
from tests.metrics_svc.ingestion.test_collected import TODAY, collection, end_of

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def change(workspace_id: str, channel_id: str, followed: bool, at: datetime) -> CloudEvent:
    payload = PlatformFollowerChangedV1(
        event_id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        channel_id=channel_id,
        platform="wechat",
        openid=OPENID,
        followed=followed,
        external_id=f"{'subscribe' if followed else 'unsubscribe'}:{OPENID}:{at.timestamp()}",
        occurred_at=at,
    )
    return CloudEvent.create(
        "platform.follower.changed", "/channel-svc", payload.event_id, workspace_id, payload
    )


async def buckets(
    client: httpx.AsyncClient, editor: dict[str, str], channel: str
) -> list[dict[str, Any]]:
    overview = await client.get(
        "/api/v1/reports/overview",
        params={
            "from": (TODAY - timedelta(days=3)).isoformat(),
            "to": (TODAY + timedelta(days=1)).isoformat(),
            "channel_id": channel,
        },
        headers=editor,
    )
    assert overview.status_code == 200, overview.text
    [row] = overview.json()["channels"]
    found: list[dict[str, Any]] = row["buckets"]
    return found


async def test_follows_move_the_follower_figures_at_once_and_count_once(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
) -> None:
    channel = await seed.channel(platform="wechat_oa")
    handler = HANDLERS["platform.follower.changed"]
    now = datetime.now(UTC).replace(microsecond=0)
    # No total known yet: gains and losses count, the followers total waits for one.
    first = change(workspace_id, channel, True, now - timedelta(minutes=30))
    assert await runtime.consumer.apply(first, handler)
    assert not await runtime.consumer.apply(first, handler)  # redelivered: counted once
    await runtime.consumer.apply(
        change(workspace_id, channel, True, now - timedelta(minutes=20)), handler
    )
    await runtime.consumer.apply(
        change(workspace_id, channel, False, now - timedelta(minutes=10)), handler
    )
    seen = await buckets(client, editor, channel)
    assert sum(b["follows_gained"] for b in seen) == 2
    assert sum(b["unfollows"] for b in seen) == 1
    assert all(b["followers"] is None for b in seen)

    # The platform's total of an earlier day is pulled: a follow now builds on it.
    earlier = end_of(TODAY - timedelta(days=2))
    pulled = collection(
        workspace_id,
        channel,
        [{"metric": "cumulate_user", "value": 500, "observed_at": earlier.isoformat()}],
    )
    assert await runtime.consumer.apply(pulled, HANDLERS["platform.figures.collected"])
    await runtime.consumer.apply(
        change(workspace_id, channel, True, now - timedelta(minutes=5)), handler
    )
    await runtime.consumer.apply(
        change(workspace_id, channel, True, now - timedelta(minutes=1)), handler
    )
    seen = await buckets(client, editor, channel)
    assert [b["followers"] for b in seen if b["followers"] is not None][-1] == 502
    assert sum(b["follows_gained"] for b in seen) == 4


async def test_a_change_that_arrives_late_still_counts(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
) -> None:
    """Changes of different followers travel on different partitions: one may arrive
    after a later one, and must not be lost under it."""
    channel = await seed.channel(platform="wechat_oa")
    handler = HANDLERS["platform.follower.changed"]
    now = datetime.now(UTC).replace(microsecond=0)
    for minutes in (1, 20, 10):  # the one of 20 minutes ago arrives second
        event = change(workspace_id, channel, True, now - timedelta(minutes=minutes))
        assert await runtime.consumer.apply(event, handler)
    assert sum(b["follows_gained"] for b in await buckets(client, editor, channel)) == 3


async def test_a_follow_of_a_channel_not_known_yet_is_left_out(
    runtime: MetricsRuntime, workspace_id: str
) -> None:
    event = change(workspace_id, str(uuid.uuid4()), True, datetime.now(UTC))
    assert await runtime.consumer.apply(event, HANDLERS["platform.follower.changed"])
