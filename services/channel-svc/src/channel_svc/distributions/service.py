"""The rules of a distribution's life: planned from a published post, sent, retried, settled.

    pending --claim--> sending --delivered--> succeeded
       ^                  |----transient, attempts left--> pending (later, with backoff)
       |                  |----permanent, or no attempts left--> failed
       +-- release_interrupted (rows a crash left in `sending`)

Every settled distribution writes `distribution.succeeded` or `distribution.failed` to the
outbox in the same transaction. Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from event_contracts import (
    DistributionFailedV1,
    DistributionSucceededV1,
    FailureReason,
    PostPublishedV1,
)
from servicekit.consumer import PoisonMessage
from servicekit.db import utcnow
from servicekit.problems import NotFound
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import DeliveryResult, Outcome
from channel_svc.events import emit
from channel_svc.models import (
    Channel,
    ChannelStatus,
    Distribution,
    DistributionStatus,
    new_id,
)
from channel_svc.pagination import paginate, split_page

CHANNEL_UNAVAILABLE = "channel_unavailable"
UNKNOWN_PLATFORM = "unknown"
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float

    def delay(self, attempts: int, *, rng: Callable[[], float] = random.random) -> timedelta:
        """Exponential backoff with jitter: half fixed, half random, so retries spread out."""
        ceiling = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


# -- reading -----------------------------------------------------------------------------


async def get_distribution(
    session: AsyncSession, *, workspace_id: str, distribution_id: str
) -> Distribution:
    distribution = await session.scalar(
        select(Distribution).where(
            Distribution.id == distribution_id, Distribution.workspace_id == workspace_id
        )
    )
    if distribution is None:
        raise NotFound(f"No distribution {distribution_id} in this workspace.")
    return distribution


async def list_distributions(
    session: AsyncSession,
    *,
    workspace_id: str,
    post_id: str | None = None,
    channel_id: str | None = None,
    status: DistributionStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Distribution], str | None]:
    query = select(Distribution).where(Distribution.workspace_id == workspace_id)
    if post_id is not None:
        query = query.where(Distribution.post_id == post_id)
    if channel_id is not None:
        query = query.where(Distribution.channel_id == channel_id)
    if status is not None:
        query = query.where(Distribution.status == status.value)
    query = paginate(
        query,
        created_at=Distribution.created_at,
        row_id=Distribution.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page((await session.scalars(query)).all(), limit)


# -- planning: one distribution per (post, channel) ---------------------------------------


def _unavailable_reason(channel: Channel | None, workspace_id: str) -> str | None:
    if channel is None or channel.workspace_id != workspace_id:
        return "no such channel in this workspace"
    if channel.deleted_at is not None:
        return "the channel was deleted"
    if channel.status != ChannelStatus.ACTIVE:
        return f"the channel is {channel.status.replace('_', ' ')}"
    return None


async def plan_for_post(
    session: AsyncSession, post: PostPublishedV1, *, now: datetime | None = None
) -> list[Distribution]:
    """Create the distributions of a published post that do not exist yet.

    A post published again (a new event for the same post and channels) creates nothing
    new. A channel that is unknown, deleted, disabled or another workspace's gets a
    distribution that has already failed, so that the author sees why.
    Returns the new pending distributions.
    """
    now = now or utcnow()
    channel_ids = list(dict.fromkeys(post.channel_ids))
    too_long = [cid for cid in channel_ids if len(cid) > MAX_ID_LENGTH]
    if too_long or len(post.post_id) > MAX_ID_LENGTH or len(post.workspace_id) > MAX_ID_LENGTH:
        raise PoisonMessage(f"ids longer than {MAX_ID_LENGTH} characters cannot be stored")
    if not channel_ids:
        return []
    existing = set(
        (
            await session.scalars(
                select(Distribution.channel_id).where(
                    Distribution.post_id == post.post_id,
                    Distribution.channel_id.in_(channel_ids),
                )
            )
        ).all()
    )
    wanted = [cid for cid in channel_ids if cid not in existing]
    channels = {
        channel.id: channel
        for channel in (await session.scalars(select(Channel).where(Channel.id.in_(wanted)))).all()
    }
    snapshot = post.model_dump(mode="json")
    pending: list[Distribution] = []
    for channel_id in wanted:
        channel = channels.get(channel_id)
        reason = _unavailable_reason(channel, post.workspace_id)
        visible = channel is not None and channel.workspace_id == post.workspace_id
        distribution = Distribution(
            id=new_id(),  # the failed event below names it before the flush
            workspace_id=post.workspace_id,
            post_id=post.post_id,
            channel_id=channel_id,
            # Another workspace's channel must not leak even its platform.
            platform=channel.platform if channel is not None and visible else UNKNOWN_PLATFORM,
            status=DistributionStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            snapshot=snapshot,
            created_at=now,
            updated_at=now,
        )
        session.add(distribution)
        if reason is None:
            pending.append(distribution)
        else:
            fail(session, distribution, CHANNEL_UNAVAILABLE, reason, retryable=False, now=now)
    await session.flush()
    return pending


# -- delivering ---------------------------------------------------------------------------


async def release_interrupted(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Put back to pending what a crash left in `sending` (at least once, never lost)."""
    now = now or utcnow()
    result = await session.execute(
        update(Distribution)
        .where(Distribution.status == DistributionStatus.SENDING.value)
        .values(status=DistributionStatus.PENDING.value, next_attempt_at=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_due(
    session: AsyncSession, *, limit: int, now: datetime | None = None
) -> list[Distribution]:
    """Mark the next due pending distributions `sending` and count the attempt."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(Distribution)
            .where(
                Distribution.status == DistributionStatus.PENDING.value,
                Distribution.next_attempt_at <= now,
            )
            .order_by(Distribution.next_attempt_at, Distribution.created_at, Distribution.id)
            .limit(limit)
            # Several workers (replicas) on PostgreSQL never claim the same row.
            .with_for_update(skip_locked=True)
        )
    ).all()
    for distribution in rows:
        distribution.status = DistributionStatus.SENDING.value
        distribution.attempts += 1
        distribution.updated_at = now
    await session.flush()
    return list(rows)


async def channels_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Channel]:
    rows = await session.scalars(select(Channel).where(Channel.id.in_(list(ids))))
    return {channel.id: channel for channel in rows.all()}


async def record_outcome(
    session: AsyncSession,
    distribution_id: str,
    result: DeliveryResult,
    *,
    policy: RetryPolicy,
    now: datetime | None = None,
    rng: Callable[[], float] = random.random,
) -> Distribution | None:
    """Settle one attempt. None when the row is no longer `sending` (settled elsewhere)."""
    now = now or utcnow()
    distribution = await session.scalar(
        select(Distribution).where(Distribution.id == distribution_id).with_for_update()
    )
    if distribution is None or distribution.status != DistributionStatus.SENDING.value:
        return None
    if result.outcome is Outcome.DELIVERED:
        succeed(session, distribution, result, now=now)
        return distribution
    code = result.code or "failed"
    message = result.message or "the platform refused the post"
    if result.outcome is Outcome.RETRY and distribution.attempts < policy.max_attempts:
        delay = policy.delay(distribution.attempts, rng=rng)
        if result.retry_after_seconds is not None:
            wanted = min(result.retry_after_seconds, policy.backoff_max_seconds)
            delay = max(delay, timedelta(seconds=wanted))
        distribution.status = DistributionStatus.PENDING.value
        distribution.next_attempt_at = now + delay
        distribution.last_error = message
        distribution.error_code = code
        distribution.updated_at = now
        return distribution
    attempts = distribution.attempts
    fail(
        session,
        distribution,
        code,
        f"{message} after {attempts} attempts" if attempts > 1 else message,
        # A transient failure that ran out of attempts may work when retried by hand.
        retryable=result.outcome is Outcome.RETRY,
        now=now,
    )
    return distribution


def succeed(
    session: AsyncSession, distribution: Distribution, result: DeliveryResult, *, now: datetime
) -> None:
    distribution.status = DistributionStatus.SUCCEEDED.value
    distribution.external_id = result.external_id
    distribution.url = result.url
    distribution.next_attempt_at = None
    distribution.last_error = None
    distribution.error_code = None
    distribution.updated_at = now
    emit(
        session,
        "distribution.succeeded",
        subject=distribution.id,
        workspace_id=distribution.workspace_id,
        payload=DistributionSucceededV1(
            distribution_id=distribution.id,
            post_id=distribution.post_id,
            channel_id=distribution.channel_id,
            workspace_id=distribution.workspace_id,
            platform=distribution.platform,
            external_id=result.external_id,
            url=result.url,
            attempts=distribution.attempts,
            succeeded_at=now,
        ),
    )


def fail(
    session: AsyncSession,
    distribution: Distribution,
    code: str,
    message: str,
    *,
    retryable: bool,
    now: datetime,
) -> None:
    distribution.status = DistributionStatus.FAILED.value
    distribution.next_attempt_at = None
    distribution.last_error = message
    distribution.error_code = code
    distribution.updated_at = now
    emit(
        session,
        "distribution.failed",
        subject=distribution.id,
        workspace_id=distribution.workspace_id,
        payload=DistributionFailedV1(
            distribution_id=distribution.id,
            post_id=distribution.post_id,
            channel_id=distribution.channel_id,
            workspace_id=distribution.workspace_id,
            platform=distribution.platform,
            reasons=[FailureReason(code=code, message=message)],
            attempts=distribution.attempts,
            failed_at=now,
            retryable=retryable,
        ),
    )
