"""The delivery worker: sends due distributions through their platform's adapter.

One loop per process. Each round claims a batch of due pending distributions (marked
`sending`, attempt counted, committed), sends them side by side with no transaction open,
then settles each in a transaction of its own. It wakes when the post.published consumer
commits new distributions, and polls as a fallback (retries fall due by time).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import structlog
from event_contracts import PostPublishedV1
from pydantic import ValidationError
from servicekit.db import Database

from channel_svc.adapters.base import Adapter, DeliveryResult, UnlockedChannel
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.distributions import service
from channel_svc.distributions.service import CHANNEL_UNAVAILABLE, RetryPolicy
from channel_svc.models import Channel, ChannelStatus, Distribution
from channel_svc.settings import Settings

log = structlog.get_logger(__name__)

ACTIVE = ChannelStatus.ACTIVE.value


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
        self.policy = RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_max_seconds=settings.delivery_backoff_max_seconds,
        )
        self._wake = asyncio.Event()
        self.attempted = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background job: recover, then deliver until cancelled."""
        async with self.db.transaction() as session:
            released = await service.release_interrupted(session)
        if released:
            log.warning("deliveries_resumed_after_interruption", count=released)
        backoff = 0.1
        while True:
            self._wake.clear()
            try:
                claimed = await self.deliver_due()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database unreachable or busy: back off, try again
                log.warning("delivery_round_failed", error=repr(exc), retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if claimed >= self.batch_size:
                continue  # more may be due now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def deliver_due(self) -> int:
        """One round: claim, send, settle. Returns how many distributions were attempted."""
        async with self.db.transaction() as session:
            claimed = await service.claim_due(session, limit=self.batch_size)
            channels = await service.channels_by_id(session, [d.channel_id for d in claimed])
        if claimed:
            await asyncio.gather(*(self._deliver(d, channels.get(d.channel_id)) for d in claimed))
        self.attempted += len(claimed)
        return len(claimed)

    async def _deliver(self, distribution: Distribution, channel: Channel | None) -> None:
        with structlog.contextvars.bound_contextvars(
            distribution_id=distribution.id, attempt=distribution.attempts
        ):
            result = await self._attempt(distribution, channel)
            async with self.db.transaction() as session:
                settled = await service.record_outcome(
                    session, distribution.id, result, policy=self.policy
                )
            if settled is not None:
                log.info(
                    "delivery_attempted",
                    outcome=result.outcome.value,
                    status=settled.status,
                    error=settled.last_error,
                )

    async def _attempt(self, distribution: Distribution, channel: Channel | None) -> DeliveryResult:
        # The channel may have been deleted or disabled since the post was published.
        if channel is None or channel.deleted_at is not None or channel.status != ACTIVE:
            return DeliveryResult.rejected(CHANNEL_UNAVAILABLE, "the channel is no longer active")
        adapter = self.adapters.get(channel.platform)
        if adapter is None:
            return DeliveryResult.rejected(
                "platform_unsupported", f"this deployment cannot publish to {channel.platform}"
            )
        try:
            secret = (
                self.cipher.decrypt(channel.secret_encrypted) if channel.secret_encrypted else None
            )
        except CredentialsUnreadable as exc:
            return DeliveryResult.rejected("credentials_unreadable", str(exc))
        try:
            snapshot = PostPublishedV1.model_validate(distribution.snapshot)
        except ValidationError as exc:
            return DeliveryResult.rejected("invalid_snapshot", f"the stored post is invalid: {exc}")
        unlocked = UnlockedChannel(
            id=channel.id,
            workspace_id=channel.workspace_id,
            platform=channel.platform,
            name=channel.name,
            config=dict(channel.config),
            secret=secret,
        )
        try:
            return await adapter.send(distribution, unlocked, snapshot)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an adapter bug must not stall the queue: retry later
            log.exception("adapter_crashed", platform=channel.platform)
            return DeliveryResult.retry("internal_error", f"{type(exc).__name__} while sending")
