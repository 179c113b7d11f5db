"""The rules of a distribution's life: planned from a published post, checked, sent,
confirmed, watched, settled.

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
    failed, cancelled, taken_down --retry--> planned again

Every settled distribution writes `distribution.succeeded` or `distribution.failed` to the
outbox in the same transaction. Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from event_contracts import (
    DistributionFailedV1,
    DistributionSucceededV1,
    FailureReason,
    PostPublishedV1,
)
from servicekit.consumer import PoisonMessage
from servicekit.db import utcnow
from servicekit.pagination import paginate, split_page
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import WordScanner

from channel_svc.adapters.base import DeliveryResult, Outcome
from channel_svc.channels.service import announce
from channel_svc.channels.windows import next_opening
from channel_svc.events import emit
from channel_svc.links.rewrite import rewrite
from channel_svc.links.service import Tracking, short_links_for
from channel_svc.models import (
    DUE_STATUSES,
    Channel,
    ChannelStatus,
    Distribution,
    DistributionStatus,
    new_id,
)
from channel_svc.platforms.catalogue import Mode, get_platform
from channel_svc.rendering.checks import Violation
from channel_svc.rendering.prepare import checklist, content_of, prepare
from channel_svc.telemetry import count_outcome
from channel_svc.wordlists.service import scanner as workspace_scanner

CHANNEL_UNAVAILABLE = "channel_unavailable"
VALIDATION_FAILED = "validation_failed"
UNKNOWN_PLATFORM = "unknown"
MAX_ID_LENGTH = 64
S = DistributionStatus
# When an operator says they posted a manual copy: clocks differ by a few minutes, and a
# month back is as far as a completion is worth dating (older posts go in as history,
# with their figures, through the stats import).
CLOCK_SKEW = timedelta(minutes=5)
BACKDATE_LIMIT = timedelta(days=30)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float

    def delay(self, attempts: int, *, rng: Callable[[], float] = random.random) -> timedelta:
        """Exponential backoff with jitter: half fixed, half random, so retries spread out."""
        ceiling = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


@dataclass(frozen=True)
class ConfirmPolicy:
    """How often a submitted post is asked about, and how long a published one is watched."""

    poll_seconds: float = 10.0
    poll_max_seconds: float = 600.0
    timeout_seconds: float = 86_400.0
    watch_seconds: float = 3 * 86_400.0
    watch_interval_seconds: float = 3600.0

    def poll_delay(self, polls: int) -> timedelta:
        return timedelta(seconds=min(self.poll_seconds * 2 ** max(polls, 0), self.poll_max_seconds))

    def watch_delay(self, checks: int) -> timedelta:
        # 1 h, 2 h, 4 h ... capped at a day: a deletion is seen within hours, at little cost.
        return timedelta(seconds=min(self.watch_interval_seconds * 2 ** max(checks, 0), 86_400.0))


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


def _reasons(violations: Sequence[Violation]) -> list[FailureReason]:
    return [FailureReason(code=v.code, message=v.message, position=v.position) for v in violations]


def prepare_distribution(
    session: AsyncSession,
    distribution: Distribution,
    channel: Channel,
    scanner: WordScanner,
    *,
    now: datetime,
    links: Mapping[str, str] | None = None,
) -> bool:
    """Render and check the post for its channel (`links`: each tracked target's short
    link, put in its place) and set where it goes next.

    Returns True when the delivery worker has something to send (pending or scheduled).
    """
    platform = get_platform(channel.platform)
    if platform is None:
        fail(
            session,
            distribution,
            "platform_unsupported",
            f"this deployment cannot publish to {channel.platform}",
            retryable=False,
            now=now,
        )
        return False
    post = PostPublishedV1.model_validate(distribution.snapshot)
    content = rewrite(content_of(post), links or {})
    rendered, violations = prepare(platform, channel, content, scanner)
    package: dict[str, Any] = rendered.model_dump(mode="json")
    if platform.mode is Mode.MANUAL:
        package["checklist"] = checklist(platform, rendered)
    distribution.rendered = package
    distribution.violations = [v.model_dump(mode="json") for v in violations]
    distribution.updated_at = now
    if violations:
        count = len(violations)
        summary = "; ".join(v.message for v in violations[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        fail(
            session,
            distribution,
            VALIDATION_FAILED,
            f"{count} problem{'s' if count > 1 else ''} would get the post refused or removed "
            f"on {platform.name}: {summary}{more}",
            retryable=False,
            now=now,
            reasons=_reasons(violations),
        )
        return False
    if platform.mode is Mode.MANUAL:
        distribution.status = S.AWAITING_MANUAL.value
        count_outcome(session, distribution.platform, "awaiting_manual")
        distribution.next_attempt_at = None
        return False
    if platform.mode is Mode.FEED:
        succeed(
            session,
            distribution,
            DeliveryResult.delivered(external_id=post.post_id, url=rendered.link),
            now=now,
        )
        return False
    opening = next_opening(channel.posting_windows or [], channel.timezone, now)
    distribution.status = (S.PENDING if opening <= now else S.SCHEDULED).value
    distribution.next_attempt_at = opening
    return True


async def _short_links(
    session: AsyncSession,
    distribution: Distribution,
    channel: Channel,
    tracking: Tracking | None,
    *,
    now: datetime,
) -> dict[str, str]:
    platform = get_platform(channel.platform)
    if tracking is None or platform is None:
        return {}
    post = PostPublishedV1.model_validate(distribution.snapshot)
    return await short_links_for(
        session, post, channel, platform, content_of(post), tracking, now=now
    )


async def plan_for_post(
    session: AsyncSession,
    post: PostPublishedV1,
    *,
    now: datetime | None = None,
    tracking: Tracking | None = None,
) -> list[Distribution]:
    """Create the distributions of a published post that do not exist yet.

    A post published again (a new event for the same post and channels) creates nothing
    new. A channel that is unknown, deleted, disabled or another workspace's gets a
    distribution that has already failed, so that the author sees why; so does a post
    that breaks the platform's rules or the workspace's word lists. With `tracking`, the
    post's links are replaced by tracked short links on the channels that track them.
    Returns the new distributions the delivery worker will send.
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
    if not wanted:
        return []
    channels = {
        channel.id: channel
        for channel in (await session.scalars(select(Channel).where(Channel.id.in_(wanted)))).all()
    }
    scanner = await workspace_scanner(session, post.workspace_id)
    snapshot = post.model_dump(mode="json")
    to_send: list[Distribution] = []
    for channel_id in wanted:
        channel = channels.get(channel_id)
        reason = _unavailable_reason(channel, post.workspace_id)
        visible = channel is not None and channel.workspace_id == post.workspace_id
        distribution = Distribution(
            id=new_id(),  # the events below name it before the flush
            workspace_id=post.workspace_id,
            post_id=post.post_id,
            channel_id=channel_id,
            # Another workspace's channel must not leak even its platform.
            platform=channel.platform if channel is not None and visible else UNKNOWN_PLATFORM,
            status=S.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            snapshot=snapshot,
            violations=[],
            progress={},
            checks=0,
            created_at=now,
            updated_at=now,
        )
        session.add(distribution)
        if reason is not None or channel is None:
            fail(session, distribution, CHANNEL_UNAVAILABLE, reason or "", retryable=False, now=now)
        else:
            links = await _short_links(session, distribution, channel, tracking, now=now)
            if prepare_distribution(session, distribution, channel, scanner, now=now, links=links):
                to_send.append(distribution)
    await session.flush()
    return to_send


# -- operator actions ---------------------------------------------------------------------


async def _channel_of(session: AsyncSession, distribution: Distribution) -> Channel:
    channel = await session.scalar(
        select(Channel).where(
            Channel.id == distribution.channel_id,
            Channel.workspace_id == distribution.workspace_id,
        )
    )
    reason = _unavailable_reason(channel, distribution.workspace_id)
    if reason is not None or channel is None:
        raise Conflict(f"This distribution cannot be sent again: {reason}.")
    return channel


async def retry(
    session: AsyncSession,
    *,
    workspace_id: str,
    distribution_id: str,
    now: datetime | None = None,
    tracking: Tracking | None = None,
) -> tuple[Distribution, bool]:
    """Plan a failed, cancelled or taken-down distribution again (checks run again: the
    word lists may have changed), lifting the channel's quota block. Returns it and
    whether the worker has to send it."""
    now = now or utcnow()
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    if distribution.status not in (S.FAILED, S.CANCELLED, S.TAKEN_DOWN):
        raise Conflict(
            f"Only a failed, cancelled or taken-down distribution can be retried; this one is "
            f"{distribution.status}."
        )
    channel = await _channel_of(session, distribution)
    # An operator sending again says the quota is back (raised, or cleared in the
    # platform's console): if it is not, the platform's answer sets the block again.
    channel.quota_blocked_until = None
    # Keep what is reusable on the platform (the uploaded cover and images), not the article.
    kept = {
        k: v for k, v in (distribution.progress or {}).items() if k in ("thumb_media_id", "images")
    }
    distribution.progress = kept
    distribution.attempts = 0
    distribution.checks = 0
    distribution.last_error = None
    distribution.error_code = None
    distribution.external_id = None
    distribution.url = None
    distribution.watch_until = None
    distribution.next_check_at = None
    scanner = await workspace_scanner(session, workspace_id)
    links = await _short_links(session, distribution, channel, tracking, now=now)
    to_send = prepare_distribution(session, distribution, channel, scanner, now=now, links=links)
    await session.flush()
    return distribution, to_send


async def cancel(
    session: AsyncSession, *, workspace_id: str, distribution_id: str, now: datetime | None = None
) -> Distribution:
    now = now or utcnow()
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    cancellable = (S.PENDING, S.SCHEDULED, S.DEFERRED, S.AWAITING_MANUAL)
    if distribution.status not in cancellable or (
        distribution.status == S.PENDING and distribution.progress
    ):
        raise Conflict(
            f"Only a distribution that has not reached the platform can be cancelled; this one "
            f"is {distribution.status}."
        )
    fail(
        session,
        distribution,
        "cancelled",
        "cancelled by an editor before it was sent",
        retryable=True,
        now=now,
        status=S.CANCELLED,
    )
    await session.flush()
    return distribution


async def complete(
    session: AsyncSession,
    *,
    workspace_id: str,
    distribution_id: str,
    url: str,
    external_id: str | None,
    published_at: datetime | None = None,
    now: datetime | None = None,
) -> Distribution:
    """The operator posted the copy by hand; `published_at` is when, if not just now (the
    benchmark counts a post's age from it)."""
    now = now or utcnow()
    if published_at is not None:
        if published_at > now + CLOCK_SKEW:
            raise Invalid.field(
                "published_at",
                f"{published_at.isoformat()} is in the future (the server's time is "
                f"{now.isoformat(timespec='seconds')})",
            )
        if published_at < now - BACKDATE_LIMIT:
            raise Invalid.field(
                "published_at",
                f"{published_at.isoformat()} is more than {BACKDATE_LIMIT.days} days ago; "
                "import older posts with their figures as history (POST /api/v1/stats)",
            )
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    if distribution.status != S.AWAITING_MANUAL:
        raise Conflict(
            f"Only a distribution awaiting a manual post can be completed; this one is "
            f"{distribution.status}."
        )
    succeed(
        session,
        distribution,
        DeliveryResult.delivered(external_id=external_id, url=url),
        now=now,
        published_at=published_at,
    )
    await session.flush()
    return distribution


# -- delivering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    """Who holds the rows a worker claims (one holder per process), and for how long
    without renewal."""

    holder: str
    seconds: float

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


async def release_lapsed(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Put back to pending what a killed worker left in `sending` (its lease ran out, or it
    was claimed before leases existed): the adapter resumes from the distribution's
    progress, so nothing reaches the platform twice."""
    now = now or utcnow()
    result = await session.execute(
        update(Distribution)
        .where(
            Distribution.status == S.SENDING.value,
            or_(Distribution.lease_until.is_(None), Distribution.lease_until < now),
        )
        .values(_released(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def hand_back(session: AsyncSession, holder: str, *, now: datetime | None = None) -> int:
    """A worker stopping cleanly returns the rows it holds (sends and looks at published
    posts), for the next one to take now."""
    now = now or utcnow()
    result = await session.execute(
        update(Distribution)
        .where(Distribution.status == S.SENDING.value, Distribution.claimed_by == holder)
        .values(_released(now))
    )
    await session.execute(
        update(Distribution)
        .where(Distribution.status == S.SUCCEEDED.value, Distribution.claimed_by == holder)
        .values(claimed_by=None, lease_until=None, next_check_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _released(now: datetime) -> dict[str, object]:
    return {
        "status": S.PENDING.value,
        "claimed_by": None,
        "lease_until": None,
        "next_attempt_at": now,
        "updated_at": now,
    }


async def renew(
    session: AsyncSession, lease: Lease, ids: Sequence[str], *, now: datetime | None = None
) -> set[str]:
    """Extend the lease on the rows this worker is still sending: the ids it still holds
    (one missing was settled meanwhile, or taken back because this worker was too slow)."""
    if not ids:
        return set()
    now = now or utcnow()
    renewed = await session.scalars(
        update(Distribution)
        .where(
            Distribution.id.in_(list(ids)),
            Distribution.status == S.SENDING.value,
            Distribution.claimed_by == lease.holder,
        )
        .values(lease_until=lease.until(now))
        .returning(Distribution.id)
    )
    return set(renewed.all())


async def hold(
    session: AsyncSession, lease: Lease, distribution_id: str, *, now: datetime | None = None
) -> bool:
    """Renew the lease on one row this worker is sending, before it acts on the platform
    again; False when the row is no longer its own (its lease ran out and another worker
    took it, or it was settled), and the worker must stop.

    On PostgreSQL this update and a replica's `release_lapsed` or `claim_due` of the row
    take turns on its lock: either the renewal comes first and the row stays, or the
    row was taken first and the renewal finds it gone."""
    now = now or utcnow()
    held = await session.scalar(
        update(Distribution)
        .where(
            Distribution.id == distribution_id,
            Distribution.status == S.SENDING.value,
            Distribution.claimed_by == lease.holder,
        )
        .values(lease_until=lease.until(now))
        .returning(Distribution.id)
    )
    return held is not None


async def claim_due(
    session: AsyncSession, *, limit: int, lease: Lease, now: datetime | None = None
) -> list[Distribution]:
    """Mark the next due distributions `sending`, held by `lease`, and count the attempt
    (a confirmation poll is not an attempt)."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(Distribution)
            .where(Distribution.status.in_(DUE_STATUSES), Distribution.next_attempt_at <= now)
            .order_by(Distribution.next_attempt_at, Distribution.created_at, Distribution.id)
            .limit(limit)
            # Several workers (replicas) on PostgreSQL never claim the same row.
            .with_for_update(skip_locked=True)
        )
    ).all()
    for distribution in rows:
        if distribution.status != S.CONFIRMING:
            distribution.attempts += 1
        distribution.status = S.SENDING.value
        distribution.claimed_by = lease.holder
        distribution.lease_until = lease.until(now)
        distribution.updated_at = now
    await session.flush()
    return list(rows)


async def claim_watch_due(
    session: AsyncSession, *, limit: int, lease: Lease, now: datetime | None = None
) -> list[Distribution]:
    """Published distributions due for a look (still up on the platform?), held by
    `lease`: the next look falls due when the lease runs out, so that a look a killed
    worker claimed is taken again, and by no one else meanwhile."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(Distribution)
            .where(
                Distribution.status == S.SUCCEEDED.value,
                Distribution.next_check_at <= now,
            )
            .order_by(Distribution.next_check_at, Distribution.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for distribution in rows:
        distribution.claimed_by = lease.holder
        distribution.lease_until = lease.until(now)
        distribution.next_check_at = distribution.lease_until  # set again when settled
    await session.flush()
    return list(rows)


async def channels_by_id(session: AsyncSession, ids: Sequence[str]) -> dict[str, Channel]:
    rows = await session.scalars(select(Channel).where(Channel.id.in_(list(ids))))
    return {channel.id: channel for channel in rows.all()}


async def save_progress(
    session: AsyncSession, distribution_id: str, values: dict[str, Any]
) -> None:
    distribution = await session.get(Distribution, distribution_id)
    if distribution is not None:
        distribution.progress = {**(distribution.progress or {}), **values}
        distribution.updated_at = utcnow()
        await session.flush()


async def block_channel(session: AsyncSession, channel_id: str, until: datetime) -> None:
    """The platform said the channel's quota is spent: no calls to it until `until`."""
    await session.execute(
        update(Channel)
        .where(
            Channel.id == channel_id,
            or_(Channel.quota_blocked_until.is_(None), Channel.quota_blocked_until < until),
        )
        .values(quota_blocked_until=until)
    )


async def store_credentials(session: AsyncSession, channel_id: str, sealed: str) -> None:
    channel = await session.get(Channel, channel_id)
    if channel is not None:
        channel.secret_encrypted = sealed
        channel.updated_at = utcnow()
        await session.flush()


async def _needs_reauth(
    session: AsyncSession, channel_id: str, reason: str, *, now: datetime
) -> None:
    channel = await session.get(Channel, channel_id)
    if channel is None or channel.status != ChannelStatus.ACTIVE:
        return
    channel.status = ChannelStatus.NEEDS_REAUTH.value
    channel.status_reason = reason
    channel.updated_at = now
    announce(session, channel)


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
    distribution = await session.scalar(
        select(Distribution).where(Distribution.id == distribution_id).with_for_update()
    )
    if (
        distribution is None
        or distribution.status != S.SENDING.value
        or distribution.claimed_by != holder
    ):
        return None
    distribution.claimed_by = None
    distribution.lease_until = None
    code = result.code or "failed"
    message = result.message or "the platform refused the post"
    if result.outcome is Outcome.DELIVERED:
        succeed(session, distribution, result, now=now)
        if watches and confirm.watch_seconds > 0:
            distribution.watch_until = now + timedelta(seconds=confirm.watch_seconds)
            distribution.next_check_at = now + confirm.watch_delay(0)
            distribution.checks = 0
        return distribution
    if result.outcome is Outcome.SUBMITTED:
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
            return distribution
        delay = confirm.poll_delay(distribution.checks)
        if distribution.checks == 0 and result.check_after_seconds is not None:
            delay = timedelta(seconds=result.check_after_seconds)
        distribution.status = S.CONFIRMING.value
        distribution.external_id = result.external_id
        distribution.checks += 1
        distribution.next_attempt_at = now + delay
        distribution.updated_at = now
        return distribution
    if result.outcome is Outcome.DEFERRED:
        # Not the post's fault and not an attempt: wait for the quota, then go again.
        distribution.status = S.DEFERRED.value
        count_outcome(session, distribution.platform, "deferred", "quota")
        distribution.attempts = max(distribution.attempts - 1, 0)
        distribution.next_attempt_at = result.defer_until or now + timedelta(minutes=1)
        distribution.last_error = message
        distribution.error_code = code
        distribution.updated_at = now
        return distribution
    if result.outcome is Outcome.REAUTH:
        await _needs_reauth(session, distribution.channel_id, message, now=now)
        fail(
            session,
            distribution,
            code,
            f"{message}; the channel needs new credentials (then retry this distribution)",
            retryable=True,
            now=now,
            reason_class="auth",
        )
        return distribution
    if result.outcome is Outcome.RETRY and distribution.attempts < policy.max_attempts:
        delay = policy.delay(distribution.attempts, rng=rng)
        if result.retry_after_seconds is not None:
            wanted = min(result.retry_after_seconds, policy.backoff_max_seconds)
            delay = max(delay, timedelta(seconds=wanted))
        distribution.status = S.PENDING.value
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
    distribution = await session.scalar(
        select(Distribution).where(Distribution.id == distribution_id).with_for_update()
    )
    if (
        distribution is None
        or distribution.status != S.SUCCEEDED.value
        or distribution.claimed_by != holder
    ):
        return None
    distribution.claimed_by = None
    distribution.lease_until = None
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
            status=S.TAKEN_DOWN,
        )
        return distribution
    following = now + confirm.watch_delay(distribution.checks)
    if distribution.watch_until is not None and following < distribution.watch_until:
        distribution.next_check_at = following
    else:
        distribution.next_check_at = None
    return distribution


def succeed(
    session: AsyncSession,
    distribution: Distribution,
    result: DeliveryResult,
    *,
    now: datetime,
    published_at: datetime | None = None,
) -> None:
    distribution.status = S.SUCCEEDED.value
    count_outcome(session, distribution.platform, "succeeded")
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
            published_at=published_at,
        ),
    )


def _reason_class(code: str, *, retryable: bool, status: DistributionStatus, checked: bool) -> str:
    """A bounded label for why a distribution failed, for the dashboards."""
    if status is S.TAKEN_DOWN:
        return "taken_down"
    if code == "channel_unavailable":
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
    status: DistributionStatus = S.FAILED,
    reason_class: str | None = None,
) -> None:
    distribution.status = status.value
    if reason_class is None:
        reason_class = _reason_class(
            code, retryable=retryable, status=status, checked=bool(reasons)
        )
    count_outcome(
        session,
        distribution.platform,
        "taken_down" if status is S.TAKEN_DOWN else "failed",
        reason_class,
    )
    distribution.next_attempt_at = None
    distribution.next_check_at = None
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
            reasons=reasons or [FailureReason(code=code, message=message)],
            attempts=distribution.attempts,
            failed_at=now,
            retryable=retryable,
        ),
    )
