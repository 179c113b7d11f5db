"""The channel-svc runtime: servicekit's runtime plus the adapters, cipher, the delivery,
collector and webhook workers, and `Runtime`, the endpoint dependency that reaches it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends
from servicekit.db import Database, call_after_commit
from servicekit.runtime import DbSession, ServiceRuntime, runtime_dependency

from channel_svc.adapters import Adapter, build_adapters
from channel_svc.adapters.http import GuardedClient
from channel_svc.callbacks.service import Addressee
from channel_svc.consumers import handlers
from channel_svc.crypto import CredentialCipher, load_cipher
from channel_svc.distributions.delivery import DeliveryWorker
from channel_svc.distributions.policies import RetryPolicy
from channel_svc.kit.ttl_cache import TtlCache
from channel_svc.links.clicks import ClickRecorder
from channel_svc.links.service import Destination, Tracking
from channel_svc.models import IdempotencyKey, OutboxMessage, ProcessedEvent
from channel_svc.settings import Settings
from channel_svc.sync.worker import SyncWorker
from channel_svc.webhook_subscriptions.worker import WebhookWorker


class ChannelRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent
    idempotency_model = IdempotencyKey

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        db = database or Database(settings.database_url)
        self.cipher: CredentialCipher = load_cipher(settings)
        self.adapters: Mapping[str, Adapter] = build_adapters(settings)
        # Downloads a post's media by their signed links (hand-off packages).
        self.media_http = GuardedClient(
            timeout_seconds=settings.api_timeout_seconds,
            allow_private=settings.shared.allow_private_urls,
        )
        self.worker = DeliveryWorker(db, settings, self.adapters, self.cipher)
        self.syncs = SyncWorker(db, settings, self.adapters, self.cipher)
        self.webhooks = WebhookWorker(db, settings, self.cipher)
        # The events channel-svc emits are offered to webhook subscriptions as they are
        # written: a commit that wrote events may have added deliveries.
        db.on_outbox_commit(self.webhooks.wake)
        self.tracking = Tracking(settings.shared.public_url, default_on=settings.track_links)
        self.link_cache = TtlCache[str, Destination | None](ttl_seconds=settings.link_cache_seconds)
        self.callback_addressees = TtlCache[str, Addressee | None](
            ttl_seconds=settings.callback_cache_seconds
        )
        self.clicks = ClickRecorder(
            db,
            max_queued=settings.click_queue_max,
            batch_max=settings.click_batch_max,
            flush_seconds=settings.click_flush_seconds,
        )
        super().__init__(
            settings,
            handlers=handlers(
                wake_worker=self.worker.wake,
                tracking=self.tracking,
                forget_links=self.link_cache.clear,
                adapters=self.adapters,
                cipher=self.cipher,
                answer_policy=RetryPolicy(
                    max_attempts=settings.answer_max_tries,
                    backoff_seconds=settings.answer_backoff_seconds,
                    backoff_max_seconds=settings.answer_backoff_max_seconds,
                ),
                wake_webhooks=self.webhooks.wake,
            ),
            database=db,
        )
        self.background.append(self.worker.run)
        self.background.append(self.syncs.run)
        self.background.append(self.webhooks.run)

    async def start(self) -> None:
        await super().start()
        self.clicks.start()

    async def stop(self) -> None:
        await self.clicks.stop()  # queued clicks are written before the database closes
        await super().stop()
        for adapter in self.adapters.values():
            await adapter.aclose()
        await self.media_http.aclose()


Runtime = Annotated[ChannelRuntime, Depends(runtime_dependency(ChannelRuntime))]


async def _forget_callback_addressees(session: DbSession, runtime: Runtime) -> None:
    call_after_commit(session, runtime.callback_addressees.clear)


# On an endpoint that changes a callback, an auto-reply or a channel: pushes answered
# after its commit read them afresh.
FORGETS_CALLBACK_ADDRESSEES = Depends(_forget_callback_addressees)
