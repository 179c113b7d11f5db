"""The webhook worker: sends due deliveries to their subscriptions' URLs.

One loop per process, as the distributions' delivery worker: each round claims a batch of
due deliveries of enabled subscriptions under this worker's lease (committed), sends them
side by side with no transaction open, then settles each in a transaction of its own
(`deliveries.settle`). The lease is renewed every third of its length while the worker
lives; a killed worker's deliveries are taken back by any replica once it ran out, and a
clean stop hands them back at once. A delivery is sent by one worker at a time; a worker
that stalled past its lease finds the row taken when it settles and records nothing (the
receiver may then see the request twice, with one `webhook-id`). It wakes when a commit
added deliveries, and polls for retries as they fall due.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta

import structlog
from servicekit.background import run_rounds
from servicekit.db import Database, utcnow

from channel_svc.adapters.base import DeliveryResult
from channel_svc.adapters.http import GuardedClient
from channel_svc.adapters.webhook import Posted, post
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.models import WebhookDelivery, WebhookSubscription
from channel_svc.settings import Settings
from channel_svc.webhook_subscriptions import repository
from channel_svc.webhook_subscriptions.deliveries import RetrySchedule, settle
from channel_svc.webhook_subscriptions.sending import body_of, signed_headers, signing_secrets

log = structlog.get_logger(__name__)

PLATFORM = "webhook_subscription"  # as the request metrics label these sends
PRUNE_EVERY = timedelta(hours=1)
PRUNE_CHUNK = 1000  # rows a transaction: SQLite's write lock is never held for long


class WebhookWorker:
    def __init__(self, db: Database, settings: Settings, cipher: CredentialCipher) -> None:
        self.db = db
        self.cipher = cipher
        self.client = GuardedClient(
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_private=settings.shared.allow_private_urls,
        )
        self.schedule = RetrySchedule(settings.webhook_retry_schedule_seconds)
        self.batch_size = settings.delivery_concurrency
        self.poll_seconds = settings.delivery_poll_seconds
        self.idle_max_seconds = settings.shared.idle_poll_max_seconds
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self.log_kept = timedelta(days=settings.webhook_log_days)
        self.holder = uuid.uuid4().hex
        self.in_flight: set[str] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background job: send until cancelled, keeping the leases meanwhile."""
        keeping = asyncio.create_task(self._keep_leases())
        try:
            await run_rounds(
                self._round,
                self._wake,
                self.poll_seconds,
                failed="webhook_round_failed",
                idle_max_seconds=self.idle_max_seconds,
            )
        finally:
            keeping.cancel()
            await asyncio.gather(keeping, return_exceptions=True)
            await self._hand_back()
            await self.client.aclose()

    async def _round(self) -> bool:
        """Send what is due; whether a full batch was claimed (more may be due now)."""
        return await self.send_due() >= self.batch_size

    async def send_due(self) -> int:
        """One round: claim, send, settle; how many deliveries were attempted."""
        now = utcnow()
        async with self.db.transaction() as session:
            claimed = await repository.claim_due(
                session,
                limit=self.batch_size,
                holder=self.holder,
                lease_until=now + self.lease,
                now=now,
            )
        self.in_flight.update(delivery.id for delivery, _ in claimed)
        try:
            await asyncio.gather(*(self._send(d, s) for d, s in claimed))
        finally:
            self.in_flight.difference_update(delivery.id for delivery, _ in claimed)
        return len(claimed)

    async def _send(self, delivery: WebhookDelivery, subscription: WebhookSubscription) -> None:
        attempted_at = utcnow()
        started = time.perf_counter()
        body = body_of(delivery)
        try:
            secrets = signing_secrets(subscription, self.cipher, attempted_at)
        except CredentialsUnreadable as exc:
            posted = Posted(DeliveryResult.retry("credentials_unreadable", str(exc)))
        else:
            headers = signed_headers(delivery.id, body, secrets, attempted_at)
            posted = await post(
                self.client.http(),
                subscription.url,
                body,
                headers,
                platform=PLATFORM,
                timeout=self.client.timeout_seconds,
            )
        duration_ms = round((time.perf_counter() - started) * 1000)
        async with self.db.transaction() as session:
            status = await settle(
                session,
                delivery_id=delivery.id,
                subscription_id=subscription.id,
                holder=self.holder,
                posted=posted,
                attempted_at=attempted_at,
                duration_ms=duration_ms,
                schedule=self.schedule,
            )
        log.info(
            "webhook_attempted",
            delivery_id=delivery.id,
            subscription_id=subscription.id,
            status=status,
            status_code=posted.status_code,
            error=posted.result.message,
        )

    async def _keep_leases(self) -> None:
        """Take back what killed workers left, and renew the lease on what this one sends;
        now and then, forget the deliveries older than the log keeps."""
        pruned_at = None
        while True:
            try:
                now = utcnow()
                async with self.db.transaction() as session:
                    await repository.renew(
                        session, self.holder, list(self.in_flight), lease_until=now + self.lease
                    )
                    released = await repository.release_lapsed(session, now=now)
                if released:
                    log.warning("webhook_deliveries_resumed_after_interruption", count=released)
                    self.wake()
                if pruned_at is None or now - pruned_at >= PRUNE_EVERY:
                    await self.prune(now)
                    pruned_at = now
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the next round retries
                log.warning("webhook_lease_round_failed", error=repr(exc))
            await asyncio.sleep(self.lease.total_seconds() / 3)

    async def prune(self, now: datetime) -> int:
        """Delete the settled deliveries older than the log keeps, a chunk a transaction."""
        removed = 0
        while True:
            async with self.db.transaction() as session:
                count = await repository.prune_settled(
                    session, before=now - self.log_kept, limit=PRUNE_CHUNK
                )
            removed += count
            if count < PRUNE_CHUNK:
                return removed

    async def _hand_back(self) -> None:
        try:
            async with asyncio.timeout(5), self.db.transaction() as session:
                await repository.hand_back(session, self.holder, now=utcnow())
        except Exception as exc:  # stopping anyway: the lease will run out
            log.warning("webhook_hand_back_failed", error=repr(exc))
