"""Several channel-svc replicas on one database: a stalled worker stops when its lease is
gone, a look a killed worker claimed is taken again, and send limits are counted for all."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from channel_svc.adapters.base import DeliveryResult
from channel_svc.distributions import outcomes, repository
from channel_svc.distributions.leases import Lease
from channel_svc.distributions.limits import SendLimits
from channel_svc.distributions.policies import ConfirmPolicy
from channel_svc.models import Distribution
from channel_svc.platforms.catalogue import get_platform
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from servicekit.db import Database, utcnow
from sqlalchemy import select, update

from tests.channel_svc.conftest import WECHAT_APPID
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    fresh_runtime,
    running_replica,
    running_worker,
    until,
    wechat_channel,
    weibo_channel,
)
from tests.fakes.wechat import WechatFake
from tests.fakes.weibo import WeiboFake

COVER = "/cgi-bin/material/add_material"


async def until_true(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def row_of(runtime: ChannelRuntime, distribution_id: str) -> Distribution:
    async with runtime.db.transaction() as session:
        row = await session.get(Distribution, distribution_id)
        assert row is not None
        return row


async def lease_runs_out(runtime: ChannelRuntime, distribution_id: str, *, look: bool) -> None:
    """As after a pause of the holder longer than its lease (nobody renewed it). A look's
    lease is also when the next look falls due."""
    past = utcnow() - timedelta(seconds=1)
    values = {"lease_until": past, **({"next_check_at": past} if look else {})}
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Distribution).where(Distribution.id == distribution_id).values(values)
        )


async def test_a_worker_that_lost_its_lease_mid_send_stops_before_the_next_step(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    """The first worker stalls inside the cover upload past its lease; a replica takes the
    distribution over. When the first one wakes up, it must not make a second draft and
    submit a second article."""
    fake, base = wechat
    cover_uploads = threading.Event()
    fake.holds[COVER] = cover_uploads
    # Requests wait at the platform for as long as the test holds them: no timeouts.
    patient = settings_for(api_timeout_seconds=60)
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    first = await fresh_runtime(patient)
    # One round without the lease keeper: the worker of a process that stopped running.
    stalled = asyncio.create_task(first.worker.deliver_due())
    try:

        async def uploading() -> bool:
            return COVER in fake.requests

        await until_true(uploading)
        await lease_runs_out(runtime, row["id"], look=False)
        async with running_replica(patient) as other:

            async def taken_over() -> bool:
                return (await row_of(runtime, row["id"])).claimed_by == other.worker.lease.holder

            await until_true(taken_over)
            cover_uploads.set()  # both uploads answer; the stalled worker wakes up
            await asyncio.wait_for(stalled, 10)
            done = await until(client, editor, row["id"])
    finally:
        cover_uploads.set()
        await asyncio.gather(stalled, return_exceptions=True)
        await first.db.dispose()
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    assert fake.requests.count("/cgi-bin/draft/add") == 1, fake.requests
    assert fake.requests.count("/cgi-bin/freepublish/submit") == 1
    assert len(fake.published()) == 1
    assert fake.requests.count(COVER) == 2  # the one in flight when the lease ran out
    # Both processes used the one stable token: neither knocked the other's out.
    assert fake.requests.count("/cgi-bin/stable_token") == 2
    assert fake.accounts[WECHAT_APPID].stable_tokens_issued == 1


async def test_a_look_a_killed_worker_claimed_is_taken_again_once_its_lease_runs_out(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    fake, base = wechat
    # Looks only when the test says so.
    watcher = await fresh_runtime(settings_for(watch_interval_seconds=3600))
    try:
        channel_id = await wechat_channel(client, editor, base)
        event = article(workspace_id, [channel_id], base)
        await apply(runtime, event)
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        async with running_worker(watcher):
            done = await until(client, editor, row["id"])
        assert done["status"] == "succeeded", done
        fake.take_down(done["external_id"], banned=True)
        async with runtime.db.transaction() as session:
            await session.execute(
                update(Distribution)
                .where(Distribution.id == row["id"])
                .values(next_check_at=utcnow() - timedelta(seconds=1))
            )
        killed = Lease(holder="killed-worker", seconds=60)
        async with runtime.db.transaction() as session:
            [claimed] = await repository.claim_watch_due(session, limit=10, lease=killed)
        assert claimed.id == row["id"]

        # While the lease lives, the look is the killed worker's: nobody else looks.
        assert await watcher.worker.watch_due() == 0
        await lease_runs_out(runtime, row["id"], look=True)
        assert await watcher.worker.watch_due() == 1
        down = await until(client, editor, row["id"], {"taken_down"})
        assert down["error_code"] == "banned_after_publishing"
        # The killed worker's answer, should it come, no longer counts.
        async with runtime.db.transaction() as session:
            late = await outcomes.record_watch(
                session,
                row["id"],
                DeliveryResult.delivered(),
                holder=killed.holder,
                confirm=ConfirmPolicy(),
            )
        assert late is None
    finally:
        await watcher.db.dispose()


async def test_send_limits_are_counted_for_every_replica(database_url: str) -> None:
    """Two processes' limits on one database: together, never more than the rate."""
    platform = get_platform("weibo")
    assert platform is not None
    rate = platform.channel_rate_per_minute
    first, second = Database(database_url), Database(database_url)
    async with first.engine.begin() as conn:
        await conn.run_sync(Distribution.metadata.create_all)
    try:
        limits = [SendLimits(first), SendLimits(second)]
        waits = [await limits[n % 2].acquire(platform, "channel-1") for n in range(rate)]
        assert waits == [0.0] * rate
        for limit in limits:
            wait = await limit.acquire(platform, "channel-1")
            assert 0 < wait <= 60
        assert await limits[1].acquire(platform, "channel-2") == 0.0  # another channel
    finally:
        await first.dispose()
        await second.dispose()


async def test_two_replicas_together_keep_to_a_channels_rate(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    platform = get_platform("weibo")
    assert platform is not None
    rate = platform.channel_rate_per_minute
    channel_id = await weibo_channel(client, editor, base)
    events = [
        article(workspace_id, [channel_id], base, title=f"第 {n} 条", summary=f"第 {n} 条新品")
        for n in range(rate + 2)
    ]
    for event in events:
        await apply(runtime, event)
    async with running_replica(settings_for()), running_replica(settings_for()):

        async def all_settled() -> bool:
            async with runtime.db.transaction() as session:
                statuses = (
                    await session.scalars(
                        select(Distribution.status).where(Distribution.channel_id == channel_id)
                    )
                ).all()
            return len(statuses) == len(events) and set(statuses) <= {"deferred", "succeeded"}

        await until_true(all_settled, timeout=30)
    async with runtime.db.transaction() as session:
        rows = (
            await session.scalars(select(Distribution).where(Distribution.channel_id == channel_id))
        ).all()
    sent = [r for r in rows if r.status == "succeeded"]
    waiting = [r for r in rows if r.status == "deferred"]
    assert len(sent) == rate
    assert {r.error_code for r in waiting} == {"rate_limited"}
    assert len(waiting) == 2
    assert fake.requests.count("/2/statuses/share.json") == rate
