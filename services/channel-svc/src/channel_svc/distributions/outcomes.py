"""The states of a distribution and every move between them.

    planned --violations--> failed (every reason, at once)
       |----manual platform--> awaiting_manual --complete(url[, published_at])--> succeeded
       |----feed--> succeeded (the feed serves it)
       |----outside the posting window--> scheduled --due--> sending
       +--> pending --claim--> sending --delivered--> succeeded --(deleted, banned)--> taken_down
                                  |----submitted (WeChat)--> confirming --poll--> sending ...
                                  |----transient, attempts left--> pending (jittered backoff)
                                  |----quota or rate limit--> deferred (until it resets)
                                  |----credentials rejected--> failed; channel needs_reauth
                                  +----permanent, or no attempts left--> failed
    pending, scheduled, deferred, awaiting_manual --cancel--> cancelled
        (not once the platform was asked to publish: `reached_platform`)
    failed, cancelled, taken_down --retry--> planned again

Claiming a due row (→ sending) and taking back one whose worker died (sending → pending)
are the leases' SQL, in `repository.py`; every other move is a function here, and the
operator's actions are allowed from the states in `ACTIONS`. Every settled distribution
writes `distribution.succeeded` or `distribution.failed` to the outbox in the same
transaction. Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from event_contracts import (
    DistributionFailedV1,
    DistributionManualWaitingV1,
    DistributionSucceededV1,
    FailureReason,
)
from servicekit.db import utcnow
from servicekit.problems import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import DeliveryResult, Outcome, reached_platform
from channel_svc.channels.service import mark_needs_reauth
from channel_svc.distributions import repository
from channel_svc.distributions.policies import ConfirmPolicy, RetryPolicy
from channel_svc.events import emit
from channel_svc.models import Distribution, DistributionStatus
from channel_svc.telemetry import count_outcome

CHANNEL_UNAVAILABLE = "channel_unavailable"
VALIDATION_FAILED = "validation_failed"
# What a retry keeps of the progress: what is reusable on the platform (the uploaded
# cover and images), not the article.
REUSABLE_PROGRESS = ("thumb_media_id", "images")


# -- the operator's actions ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    starts: tuple[DistributionStatus, ...]  # the states it may start from
    refusal: str  # what a refusal says


ACTIONS: dict[str, Action] = {
    "retry": Action(
        (DistributionStatus.FAILED, DistributionStatus.CANCELLED, DistributionStatus.TAKEN_DOWN),
        "Only a failed, cancelled or taken-down distribution can be retried",
    ),
    "cancel": Action(
        (
            DistributionStatus.PENDING,
            DistributionStatus.SCHEDULED,
            DistributionStatus.DEFERRED,
            DistributionStatus.AWAITING_MANUAL,
        ),
        "Only a distribution that has not reached the platform can be cancelled",
    ),
    "complete": Action(
        (DistributionStatus.AWAITING_MANUAL,),
        "Only a distribution awaiting a manual post can be completed",
    ),
}


def refuse(distribution: Distribution, action: str) -> Conflict:
    return Conflict(f"{ACTIONS[action].refusal}; this one is {distribution.status}.")


def require(distribution: Distribution, action: str) -> None:
    if distribution.status not in ACTIONS[action].starts:
        raise refuse(distribution, action)


def unsent(distribution: Distribution) -> bool:
    """Nothing of it reached the platform (it may still be cancelled, or revised).

    A pending row with progress is a send that got partway: it has reached the platform.
    So has a row of any state that asked the platform to publish (a deferred one too):
    cancelling it and sending again would make a second article."""
    return (
        distribution.status in ACTIONS["cancel"].starts
        and not reached_platform(distribution.progress)
        and not (distribution.status == DistributionStatus.PENDING and distribution.progress)
    )


def cancel(session: AsyncSession, distribution: Distribution, *, now: datetime) -> None:
    if not unsent(distribution):
        raise refuse(distribution, "cancel")
    fail(
        session,
        distribution,
        "cancelled",
        "cancelled by an editor before it was sent",
        retryable=True,
        now=now,
        status=DistributionStatus.CANCELLED,
    )


def reset(distribution: Distribution) -> None:
    """Forget the last attempts' outcome, before the distribution is planned again."""
    progress = distribution.progress or {}
    distribution.progress = {k: v for k, v in progress.items() if k in REUSABLE_PROGRESS}
    distribution.attempts = 0
    distribution.checks = 0
    distribution.last_error = None
    distribution.error_code = None
    distribution.external_id = None
    distribution.url = None
    distribution.watch_until = None
    distribution.next_check_at = None


# -- planned ------------------------------------------------------------------------------


def plan(distribution: Distribution, opening: datetime, *, now: datetime) -> None:
    """For the worker to send at `opening`, the channel's next posting window."""
    scheduled = opening > now
    distribution.status = (
        DistributionStatus.SCHEDULED if scheduled else DistributionStatus.PENDING
    ).value
    distribution.next_attempt_at = opening


def feed_entry(distribution: Distribution) -> DeliveryResult:
    """A feed channel's distribution is delivered by being in the feed (at its link)."""
    link = (distribution.rendered or {}).get("link")
    return DeliveryResult.delivered(
        external_id=distribution.post_id, url=str(link) if link else None
    )


def await_manual(session: AsyncSession, distribution: Distribution, *, now: datetime) -> None:
    distribution.status = DistributionStatus.AWAITING_MANUAL.value
    count_outcome(session, distribution.platform, "awaiting_manual")
    distribution.next_attempt_at = None
    title = (distribution.snapshot or {}).get("title")
    fields = _event_fields(distribution)
    del fields["attempts"]  # none: nobody has tried yet
    waiting = DistributionManualWaitingV1(
        **fields,
        title=title if isinstance(title, str) else None,
        waiting_since=now,
    )
    emit(session, waiting, subject=distribution.id)


# -- settled ------------------------------------------------------------------------------


def _event_fields(distribution: Distribution) -> dict[str, Any]:
    """What every event of a distribution says of it."""
    return {
        "distribution_id": distribution.id,
        "post_id": distribution.post_id,
        "channel_id": distribution.channel_id,
        "workspace_id": distribution.workspace_id,
        "platform": distribution.platform,
        "attempts": distribution.attempts,
    }


def succeed(
    session: AsyncSession,
    distribution: Distribution,
    result: DeliveryResult,
    *,
    now: datetime,
    published_at: datetime | None = None,
) -> None:
    distribution.status = DistributionStatus.SUCCEEDED.value
    count_outcome(session, distribution.platform, "succeeded")
    distribution.external_id = result.external_id
    distribution.url = result.url
    distribution.next_attempt_at = None
    distribution.last_error = None
    distribution.error_code = None
    distribution.updated_at = now
    succeeded = DistributionSucceededV1(
        **_event_fields(distribution),
        external_id=result.external_id,
        url=result.url,
        succeeded_at=now,
        published_at=published_at,
    )
    emit(session, succeeded, subject=distribution.id)


def _reason_class(code: str, *, retryable: bool, status: DistributionStatus, checked: bool) -> str:
    """A bounded label for why a distribution failed, for the dashboards."""
    if status is DistributionStatus.TAKEN_DOWN:
        return "taken_down"
    if code == CHANNEL_UNAVAILABLE:
        return "unavailable"
    if checked:
        return "validation"
    return "transient" if retryable else "permanent"


def fail(
    session: AsyncSession,
    distribution: Distribution,
    code: str,
    message: str,
    *,
    retryable: bool,
    now: datetime,
    reasons: list[FailureReason] | None = None,
    status: DistributionStatus = DistributionStatus.FAILED,
    reason_class: str | None = None,
    needs_reauth: bool = False,
) -> None:
    distribution.status = status.value
    if reason_class is None:
        reason_class = _reason_class(
            code, retryable=retryable, status=status, checked=bool(reasons)
        )
    taken_down = status is DistributionStatus.TAKEN_DOWN
    count_outcome(
        session, distribution.platform, "taken_down" if taken_down else "failed", reason_class
    )
    distribution.next_attempt_at = None
    distribution.next_check_at = None
    distribution.last_error = message
    distribution.error_code = code
    distribution.updated_at = now
    failed = DistributionFailedV1(
        **_event_fields(distribution),
        reasons=reasons or [FailureReason(code=code, message=message)],
        failed_at=now,
        retryable=retryable,
        needs_reauth=needs_reauth,
    )
    emit(session, failed, subject=distribution.id)


# -- the outcome of an attempt ------------------------------------------------------------


def _delivered(
    session: AsyncSession,
    distribution: Distribution,
    result: DeliveryResult,
    *,
    watches: bool,
    confirm: ConfirmPolicy,
    now: datetime,
) -> None:
    succeed(session, distribution, result, now=now)
    if watches and confirm.watch_seconds > 0:
        distribution.watch_until = now + timedelta(seconds=confirm.watch_seconds)
        distribution.next_check_at = now + confirm.watch_delay(0)
        distribution.checks = 0


def _submitted(
    session: AsyncSession,
    distribution: Distribution,
    result: DeliveryResult,
    *,
    confirm: ConfirmPolicy,
    now: datetime,
) -> None:
    progress = dict(distribution.progress or {})
    if "submitted_at" not in progress:
        progress["submitted_at"] = now.isoformat()
        distribution.progress = progress
        distribution.checks = 0
    started = datetime.fromisoformat(str(progress["submitted_at"]))
    if now - started > timedelta(seconds=confirm.timeout_seconds):
        fail(
            session,
            distribution,
            "confirmation_timeout",
            "the platform accepted the post but gave no result in time; check it in the "
            "platform's console",
            retryable=False,
            now=now,
        )
        return
    delay = confirm.poll_delay(distribution.checks)
    if distribution.checks == 0 and result.check_after_seconds is not None:
        delay = timedelta(seconds=result.check_after_seconds)
    distribution.status = DistributionStatus.CONFIRMING.value
    distribution.external_id = result.external_id
    distribution.checks += 1
    distribution.next_attempt_at = now + delay
    distribution.updated_at = now


def _wait(
    distribution: Distribution,
    status: DistributionStatus,
    until: datetime,
    *,
    code: str,
    message: str,
    now: datetime,
) -> None:
    """Due again at `until`, the last failure kept for the operator to see."""
    distribution.status = status.value
    distribution.next_attempt_at = until
    distribution.last_error = message
    distribution.error_code = code
    distribution.updated_at = now


async def record_outcome(
    session: AsyncSession,
    distribution_id: str,
    result: DeliveryResult,
    *,
    holder: str,
    policy: RetryPolicy,
    confirm: ConfirmPolicy | None = None,
    watches: bool = False,
    now: datetime | None = None,
    rng: Callable[[], float] = random.random,
) -> Distribution | None:
    """Settle one attempt of the worker `holder`. None when the row is no longer that
    worker's to settle (settled elsewhere, or taken back after its lease ran out)."""
    now = now or utcnow()
    confirm = confirm or ConfirmPolicy()
    distribution = await _held(session, distribution_id, DistributionStatus.SENDING, holder)
    if distribution is None:
        return None
    code = result.code or "failed"
    message = result.message or "the platform refused the post"
    if result.outcome is Outcome.DELIVERED:
        _delivered(session, distribution, result, watches=watches, confirm=confirm, now=now)
    elif result.outcome is Outcome.SUBMITTED:
        _submitted(session, distribution, result, confirm=confirm, now=now)
    elif result.outcome is Outcome.DEFERRED:
        # Not the post's fault and not an attempt: wait for the quota, then go again.
        count_outcome(session, distribution.platform, "deferred", "quota")
        distribution.attempts = max(distribution.attempts - 1, 0)
        until = result.defer_until or now + timedelta(minutes=1)
        _wait(distribution, DistributionStatus.DEFERRED, until, code=code, message=message, now=now)
    elif result.outcome is Outcome.REAUTH:
        await mark_needs_reauth(session, distribution.channel_id, message, now=now)
        fail(
            session,
            distribution,
            code,
            f"{message}; the channel needs new credentials (then retry this distribution)",
            retryable=True,
            now=now,
            reason_class="auth",
            needs_reauth=True,
        )
    elif result.outcome is Outcome.RETRY and distribution.attempts < policy.max_attempts:
        delay = policy.delay(distribution.attempts, rng=rng)
        if result.retry_after_seconds is not None:
            wanted = min(result.retry_after_seconds, policy.backoff_max_seconds)
            delay = max(delay, timedelta(seconds=wanted))
        pending = DistributionStatus.PENDING
        _wait(distribution, pending, now + delay, code=code, message=message, now=now)
    else:
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


async def record_watch(
    session: AsyncSession,
    distribution_id: str,
    result: DeliveryResult,
    *,
    holder: str,
    confirm: ConfirmPolicy,
    now: datetime | None = None,
) -> Distribution | None:
    """Settle one look at a published post by the worker `holder`: still up, or taken
    down (reported). None when the look is no longer that worker's (its lease ran out)."""
    now = now or utcnow()
    distribution = await _held(session, distribution_id, DistributionStatus.SUCCEEDED, holder)
    if distribution is None:
        return None
    distribution.checks += 1
    if result.outcome is Outcome.TAKEN_DOWN:
        distribution.watch_until = None
        fail(
            session,
            distribution,
            result.code or "taken_down",
            result.message or "the platform took the post down after publishing",
            retryable=True,
            now=now,
            status=DistributionStatus.TAKEN_DOWN,
        )
        return distribution
    following = now + confirm.watch_delay(distribution.checks)
    if distribution.watch_until is not None and following < distribution.watch_until:
        distribution.next_check_at = following
    else:
        distribution.next_check_at = None
    return distribution


async def record_pushed(
    session: AsyncSession,
    distribution_id: str,
    result: DeliveryResult,
    *,
    confirm: ConfirmPolicy,
    now: datetime | None = None,
    found: dict[str, Any] | None = None,
) -> Distribution | None:
    """The platform pushed the result the worker polls for (WeChat's `PUBLISHJOBFINISH`):
    settle the distribution now, as a poll with the same answer would (what else it said,
    `found`: the article id, a mass send's counts, is kept in its progress). Whichever comes
    first wins, once: the row is locked, and only a row still waiting for its result
    (`confirming`, or `sending` while a worker polls) moves; that worker then finds it
    settled (`record_outcome` gives None). None when there was nothing left to settle."""
    now = now or utcnow()
    distribution = await repository.locked(session, distribution_id)
    waiting = (DistributionStatus.CONFIRMING.value, DistributionStatus.SENDING.value)
    if (
        distribution is None
        or distribution.status not in waiting
        or result.outcome is Outcome.SUBMITTED
    ):
        return None
    distribution.claimed_by = None
    distribution.lease_until = None
    if found:
        distribution.progress = {**(distribution.progress or {}), **found}
    if result.outcome is Outcome.DELIVERED:
        _delivered(session, distribution, result, watches=True, confirm=confirm, now=now)
    else:
        fail(
            session,
            distribution,
            result.code or "failed",
            result.message or "the platform refused the post",
            retryable=False,
            now=now,
        )
    return distribution


async def _held(
    session: AsyncSession, distribution_id: str, status: DistributionStatus, holder: str
) -> Distribution | None:
    """The row, locked and released from `holder`'s lease, while it is in `status` and
    held by `holder`; None when it is no longer that worker's to settle."""
    distribution = await repository.locked(session, distribution_id)
    if (
        distribution is None
        or distribution.status != status.value
        or distribution.claimed_by != holder
    ):
        return None
    distribution.claimed_by = None
    distribution.lease_until = None
    return distribution
