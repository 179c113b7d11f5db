"""What one attempt at a delivery means: delivered, tried again after the schedule's next
wait, or failed; and when a subscription is turned off for failing persistently.

A 2xx delivers. 408, 429, 5xx, a timeout or a network error is tried again after the next
wait of `CHANNEL_WEBHOOK_RETRY_SCHEDULE_SECONDS` (a 429's Retry-After, when longer, is
honoured); other 4xx and redirects fail at once (the adapter's rules for `webhook`
channels: `adapters.webhook.judge`). A delivery that used up its retries, for a
subscription with no success since that delivery's first attempt, turns the subscription
off with the reason and emits `webhook.subscription.disabled`: its URL has been failing for
about a day. What waits for it fails too; an owner enables it again and redelivers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from event_contracts import WebhookSubscriptionDisabledV1
from servicekit.db import new_id
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Outcome
from channel_svc.adapters.webhook import Posted
from channel_svc.events import emit
from channel_svc.models import WebhookAttempt, WebhookDeliveryStatus, WebhookSubscription
from channel_svc.webhook_subscriptions import repository

JITTER = 0.1


@dataclass(frozen=True)
class RetrySchedule:
    waits_seconds: Sequence[float]
    rng: Callable[[], float] = random.random

    def after(self, attempts: int, retry_after: float | None = None) -> timedelta | None:
        """The wait before the next attempt after `attempts` of this round, or None when
        they are used up."""
        if attempts > len(self.waits_seconds):
            return None
        wait = self.waits_seconds[attempts - 1] * (1 + JITTER * self.rng())
        return timedelta(seconds=max(wait, retry_after or 0.0))


async def settle(
    session: AsyncSession,
    *,
    delivery_id: str,
    subscription_id: str,
    holder: str,
    posted: Posted,
    attempted_at: datetime,
    duration_ms: int,
    schedule: RetrySchedule,
) -> str | None:
    """Record the attempt and its outcome; the delivery's status after it, or None when
    this worker no longer holds it (its lease ran out and another took it)."""
    subscription = await repository.locked_subscription(session, subscription_id)
    delivery = await repository.held(session, delivery_id, holder)
    if delivery is None or subscription is None:
        return None
    result = posted.result
    delivered = result.outcome is Outcome.DELIVERED
    # A subscription turned off while this attempt was out gets no more of them.
    wait = (
        schedule.after(delivery.round_attempts + 1, result.retry_after_seconds)
        if result.outcome is Outcome.RETRY and subscription.enabled
        else None
    )
    session.add(
        WebhookAttempt(
            id=new_id(),
            delivery_id=delivery.id,
            attempted_at=attempted_at,
            outcome="delivered" if delivered else "retry" if wait is not None else "failed",
            status_code=posted.status_code,
            error=None if delivered else result.message,
            duration_ms=duration_ms,
        )
    )
    delivery.attempts += 1
    delivery.round_attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or attempted_at
    delivery.last_status_code = posted.status_code
    delivery.last_error = None if delivered else result.message
    delivery.claimed_by = delivery.lease_until = None
    delivery.updated_at = attempted_at
    if delivered:
        delivery.status = WebhookDeliveryStatus.DELIVERED.value
        delivery.delivered_at = attempted_at
        delivery.next_attempt_at = None
        subscription.last_success_at = attempted_at
        subscription.failing_since = None
        await session.flush()
        return delivery.status
    subscription.failing_since = subscription.failing_since or attempted_at
    if wait is not None:
        delivery.status = WebhookDeliveryStatus.PENDING.value
        delivery.next_attempt_at = attempted_at + wait
        await session.flush()
        return delivery.status
    delivery.status = WebhookDeliveryStatus.FAILED.value
    delivery.next_attempt_at = None
    await session.flush()
    last = subscription.last_success_at
    exhausted = result.outcome is Outcome.RETRY
    if exhausted and subscription.enabled and (last is None or last < delivery.first_attempt_at):
        reason = (
            f"{delivery.round_attempts} attempts over "
            f"{_span(attempted_at - delivery.first_attempt_at)} failed, with no success "
            f"since; the last: {result.message}"
        )
        await disable(session, subscription, reason, delivery_id=delivery.id, now=attempted_at)
    return delivery.status


def _span(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 2 else f"{span.total_seconds():.0f} s"


async def disable(
    session: AsyncSession,
    subscription: WebhookSubscription,
    reason: str,
    *,
    delivery_id: str,
    now: datetime,
) -> None:
    """Turn the failing subscription off, fail what waits for it, and say so."""
    failing_since = subscription.failing_since or now
    subscription.enabled = False
    subscription.disabled_reason = reason
    subscription.disabled_at = subscription.updated_at = now
    await repository.fail_pending(session, subscription.id, "the subscription was turned off")
    emit(
        session,
        WebhookSubscriptionDisabledV1(
            subscription_id=subscription.id,
            workspace_id=subscription.workspace_id,
            url=subscription.url,
            reason=reason,
            failing_since=failing_since,
            delivery_id=delivery_id,
            disabled_at=now,
        ),
    )
    await session.flush()
