"""Retry timing: exponential, jittered, capped, and never sooner than the platform asked."""

from __future__ import annotations

from datetime import timedelta

import httpx
from channel_svc.adapters import DeliveryResult
from channel_svc.distributions import outcomes, repository
from channel_svc.distributions.leases import Lease
from channel_svc.distributions.policies import RetryPolicy
from channel_svc.runtime import ChannelRuntime
from servicekit.db import utcnow

from tests.channel_svc.conftest import create_channel, published

POLICY = RetryPolicy(max_attempts=5, backoff_seconds=1.0, backoff_max_seconds=60.0)
LEASE = Lease(holder="worker-1", seconds=60)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert POLICY.delay(1, rng=lambda: 0.0) == timedelta(seconds=0.5)
    assert POLICY.delay(1, rng=lambda: 1.0) == timedelta(seconds=1)
    assert POLICY.delay(4, rng=lambda: 0.0) == timedelta(seconds=4)
    assert POLICY.delay(4, rng=lambda: 1.0) == timedelta(seconds=8)
    assert POLICY.delay(30, rng=lambda: 1.0) == timedelta(seconds=60)
    spread = {POLICY.delay(3) for _ in range(20)}
    assert len(spread) > 1  # two receivers failing together do not retry in lockstep
    assert all(timedelta(seconds=2) <= delay <= timedelta(seconds=4) for delay in spread)


async def test_a_rate_limited_delivery_waits_as_long_as_the_platform_asked(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel = await create_channel(client, editor, "http://127.0.0.1:9/hook")
    await runtime.consumer.apply(
        published(workspace_id, [channel["id"]]), runtime.consumer.handlers["post.published"]
    )
    async with runtime.db.transaction() as session:
        [claimed] = await repository.claim_due(session, limit=10, lease=LEASE)
    before = utcnow()
    answer = DeliveryResult.retry("rate_limited", "webhook answered 429", retry_after_seconds=30)
    async with runtime.db.transaction() as session:
        settled = await outcomes.record_outcome(
            session, claimed.id, answer, holder=LEASE.holder, policy=POLICY
        )
    assert settled is not None
    assert settled.status == "pending"
    assert settled.next_attempt_at is not None
    assert settled.next_attempt_at >= before + timedelta(seconds=30)
    assert settled.last_error == "webhook answered 429"
    async with runtime.db.transaction() as session:
        assert await repository.claim_due(session, limit=10, lease=LEASE) == []  # not due yet
        # A second outcome for an attempt already settled changes nothing.
        assert (
            await outcomes.record_outcome(
                session, claimed.id, answer, holder=LEASE.holder, policy=POLICY
            )
            is None
        )
