"""The delivery worker: sends due distributions through their platform's adapter.

One loop per process. Each round claims a batch of due distributions (pending, scheduled,
deferred, or confirming), marks them `sending` under this worker's lease (attempt counted,
committed), sends them side by side with no transaction open, then settles each in a
transaction of its own. The lease is renewed while the worker lives, so other replicas
take back only what a killed worker left, once its lease has run out. An
adapter records its progress on the platform (draft made, publish submitted...) in its own
short transaction before the next step, so that a crash never makes it repeat a step.
Before each step that changes something on the platform, the worker renews its lease on
the row and stops if the row is no longer its own: a worker that stalled past its lease
(a long pause, the database away) never repeats what the worker that took over does.
It also looks again at published posts that are being watched (deleted or banned later?),
each look held by a lease too, so that a look a killed worker claimed is taken again.
It wakes when the post.published consumer commits new distributions, and polls as a
fallback (retries and confirmations fall due by time). Send rate limits are counted in
the database, across every replica (see `limits`); the leases are in `leases`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

import structlog
from event_contracts import PostPublishedV1
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from servicekit.background import run_rounds
from servicekit.db import Database, utcnow
from servicekit.tracing import continue_trace

from channel_svc.adapters.base import (
    MASS_SEND_SPENT,
    Adapter,
    ConfirmingAdapter,
    Delivery,
    DeliveryResult,
    LeaseLost,
    MemoryProgress,
    Outcome,
    awaiting_confirmation,
    resealed,
    unlock_channel,
)
from channel_svc.channels import repository as channels
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.distributions import repository
from channel_svc.distributions.leases import Lease, LeaseKeeper, StoredProgress
from channel_svc.distributions.limits import SendLimits
from channel_svc.distributions.mass_sends import mass_send_options, once_a_day
from channel_svc.distributions.outcomes import (
    CHANNEL_UNAVAILABLE,
    feed_entry,
    record_outcome,
    record_watch,
)
from channel_svc.distributions.policies import ConfirmPolicy, RetryPolicy
from channel_svc.models import Channel, ChannelStatus, Distribution
from channel_svc.platforms.catalogue import Mode, get_platform
from channel_svc.rendering.render import Rendered
from channel_svc.settings import Settings

log = structlog.get_logger(__name__)

# Deferrals of our own: a send slot of the rate limit, a quota already known to be spent.
RATE_LIMITED = "rate_limited"
QUOTA_SPENT = "quota_spent"


def _quota_back_at(result: DeliveryResult) -> datetime | None:
    """When the platform said its spent quota comes back, if it deferred the send for that
    (not our own rate limit, which frees a slot within the minute)."""
    if result.outcome is not Outcome.DEFERRED or result.code in (
        RATE_LIMITED,
        QUOTA_SPENT,
        MASS_SEND_SPENT,
    ):
        return None
    return result.defer_until


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        adapters: Mapping[str, Adapter],
        cipher: CredentialCipher,
    ) -> None:
        self.db = db
        self.adapters = adapters
        self.cipher = cipher
        self.batch_size = settings.delivery_concurrency
        self.poll_seconds = settings.delivery_poll_seconds
        self.idle_max_seconds = settings.shared.idle_poll_max_seconds
        self.policy = RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_max_seconds=settings.delivery_backoff_max_seconds,
        )
        self.confirm = ConfirmPolicy(
            poll_seconds=settings.confirm_poll_seconds,
            poll_max_seconds=settings.confirm_poll_max_seconds,
            timeout_seconds=settings.confirm_timeout_seconds,
            watch_seconds=settings.watch_seconds,
            watch_interval_seconds=settings.watch_interval_seconds,
        )
        self.limits = SendLimits(db, enabled=settings.rate_limits)
        # One holder per process: its rows are taken back by others only once its lease
        # runs out (it was killed), or at once when it stops cleanly.
        self.lease = Lease(holder=uuid.uuid4().hex, seconds=settings.delivery_lease_seconds)
        self.leases = LeaseKeeper(db, self.lease, on_released=self.wake)
        self._wake = asyncio.Event()
        self.attempted = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background job: recover, then deliver until cancelled."""
        keeping = asyncio.create_task(self.leases.keep())
        try:
            await self._deliver_until_cancelled()
        finally:
            keeping.cancel()
            await asyncio.gather(keeping, return_exceptions=True)
            await self.leases.hand_back()

    async def _deliver_until_cancelled(self) -> None:
        await run_rounds(
            self._round,
            self._wake,
            self.poll_seconds,
            failed="delivery_round_failed",
            idle_max_seconds=self.idle_max_seconds,
        )

    async def _round(self) -> bool:
        """Deliver, then watch; whether a full batch was claimed (more may be due now)."""
        claimed = await self.deliver_due()
        await self.watch_due()
        return claimed >= self.batch_size

    async def deliver_due(self) -> int:
        """One round: claim, send, settle. Returns how many distributions were attempted."""
        async with self.db.transaction() as session:
            claimed = await repository.claim_due(session, limit=self.batch_size, lease=self.lease)
            found = await channels.by_id(session, [d.channel_id for d in claimed])
        if claimed:
            self.leases.in_flight.update(d.id for d in claimed)
            await asyncio.gather(*(self._deliver(d, found.get(d.channel_id)) for d in claimed))
        self.attempted += len(claimed)
        return len(claimed)

    async def watch_due(self) -> int:
        """Look again at published posts that are due a check."""
        async with self.db.transaction() as session:
            due = await repository.claim_watch_due(session, limit=self.batch_size, lease=self.lease)
            found = await channels.by_id(session, [d.channel_id for d in due])
        if due:
            await asyncio.gather(*(self._watch(d, found.get(d.channel_id)) for d in due))
        return len(due)

    async def _deliver(self, distribution: Distribution, channel: Channel | None) -> None:
        try:
            await self._send_and_settle(distribution, channel)
        finally:
            self.leases.in_flight.discard(distribution.id)

    async def _send_and_settle(self, distribution: Distribution, channel: Channel | None) -> None:
        with (
            continue_trace(
                f"deliver {distribution.platform}",
                distribution.traceparent,
                kind=SpanKind.INTERNAL,
                **{"mediaops.platform": distribution.platform},
            ),
            structlog.contextvars.bound_contextvars(
                distribution_id=distribution.id, attempt=distribution.attempts
            ),
        ):
            try:
                result = await self._attempt(distribution, channel)
            except LeaseLost:
                # Another worker took the row over after this one's lease ran out; it
                # sends from the stored progress, and settles it.
                log.warning("delivery_stopped_lease_lost")
                return
            adapter = self.adapters.get(channel.platform) if channel is not None else None
            sealed = self._sealed_update(channel, result)
            async with self.db.transaction() as session:
                if sealed is not None and channel is not None:
                    await channels.store_credentials(session, channel.id, sealed)
                quota_back_at = _quota_back_at(result)
                if channel is not None and quota_back_at is not None:
                    await channels.block_quota(session, channel.id, quota_back_at)
                settled = await record_outcome(
                    session,
                    distribution.id,
                    result,
                    holder=self.lease.holder,
                    policy=self.policy,
                    confirm=self.confirm,
                    watches=isinstance(adapter, ConfirmingAdapter),
                )
            if settled is not None:
                log.info(
                    "delivery_attempted",
                    outcome=result.outcome.value,
                    status=settled.status,
                    error=settled.last_error,
                )

    def _sealed_update(self, channel: Channel | None, result: DeliveryResult) -> str | None:
        if channel is None or not result.credentials_update:
            return None
        try:
            return resealed(
                unlock_channel(channel, self.cipher), self.cipher, result.credentials_update
            )
        except CredentialsUnreadable:
            return None

    async def _attempt(self, distribution: Distribution, channel: Channel | None) -> DeliveryResult:
        # The channel may have been deleted or disabled since the post was published.
        if (
            channel is None
            or channel.deleted_at is not None
            or channel.status != ChannelStatus.ACTIVE
        ):
            return DeliveryResult.rejected(CHANNEL_UNAVAILABLE, "the channel is no longer active")
        adapter = self.adapters.get(channel.platform)
        platform = get_platform(channel.platform)
        if platform is not None and platform.mode is Mode.FEED:
            return feed_entry(distribution)  # held back until its queue slot: now in the feed
        if adapter is None or platform is None:
            return DeliveryResult.rejected(
                "platform_unsupported", f"this deployment cannot publish to {channel.platform}"
            )
        now = utcnow()
        # Confirmation polls of a submitted article are not sends: the spent quota of a
        # sending API (or the rate limit) does not hold them back. Their own quota, when
        # spent, defers them by the platform's answer.
        confirming = awaiting_confirmation(distribution.progress)
        blocked = channel.quota_spent_until(now)
        if blocked is not None and not confirming:
            return DeliveryResult.deferred(
                QUOTA_SPENT, "the channel's quota on the platform is spent", until=blocked
            )
        if not confirming and mass_send_options(distribution) is not None:
            async with self.db.transaction() as session:
                mass_sent = await once_a_day(session, distribution, channel, now=now)
            if mass_sent is not None:
                return mass_sent
        if not confirming:
            wait = await self.limits.acquire(platform, channel.id)
            if wait > 0:
                return DeliveryResult.deferred(
                    RATE_LIMITED,
                    f"sends to {platform.name} are rate-limited; next slot in {wait:.0f} s",
                    until=now + timedelta(seconds=wait),
                )
        try:
            unlocked = unlock_channel(channel, self.cipher)
        except CredentialsUnreadable as exc:
            return DeliveryResult.rejected("credentials_unreadable", str(exc))
        try:
            snapshot = PostPublishedV1.model_validate(distribution.snapshot)
            rendered = (
                Rendered.model_validate(distribution.rendered) if distribution.rendered else None
            )
        except ValidationError as exc:
            return DeliveryResult.rejected("invalid_snapshot", f"the stored post is invalid: {exc}")
        progress = StoredProgress(self.db, distribution.id, distribution.progress or {}, self.lease)
        await progress.step()  # still ours after the checks above?
        try:
            result = await adapter.send(
                Delivery(distribution, unlocked, snapshot, rendered=rendered, progress=progress)
            )
        except (asyncio.CancelledError, LeaseLost):
            raise
        except Exception as exc:  # an adapter bug must not stall the queue: retry later
            log.exception("adapter_crashed", platform=channel.platform)
            return DeliveryResult.retry("internal_error", f"{type(exc).__name__} while sending")
        return result

    async def _watch(self, distribution: Distribution, channel: Channel | None) -> None:
        adapter = self.adapters.get(channel.platform) if channel is not None else None
        if channel is None or not isinstance(adapter, ConfirmingAdapter):
            result = DeliveryResult.delivered()  # nothing to ask: stop watching quietly
        else:
            try:
                result = await adapter.confirm(
                    distribution,
                    unlock_channel(channel, self.cipher),
                    progress=MemoryProgress(distribution.progress or {}),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("watch_failed", error=repr(exc))
                result = DeliveryResult.retry("internal_error", repr(exc))
        async with self.db.transaction() as session:
            settled = await record_watch(
                session, distribution.id, result, holder=self.lease.holder, confirm=self.confirm
            )
        if settled is not None and settled.status != "succeeded":
            log.warning(
                "published_post_taken_down", distribution_id=distribution.id, code=result.code
            )
