"""The channel-svc runtime: servicekit's runtime plus the adapters, cipher and delivery worker,
and `Runtime`, the endpoint dependency that reaches it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, runtime_dependency

from channel_svc.adapters import Adapter, build_adapters
from channel_svc.consumers import handlers
from channel_svc.crypto import CredentialCipher, load_cipher
from channel_svc.distributions.delivery import DeliveryWorker
from channel_svc.distributions.policies import RetryPolicy
from channel_svc.links.cache import LinkCache
from channel_svc.links.clicks import ClickRecorder
from channel_svc.links.service import Tracking
from channel_svc.models import OutboxMessage, ProcessedEvent
from channel_svc.settings import Settings
from channel_svc.sync.worker import SyncWorker


class ChannelRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        db = database or Database(settings.database_url)
        self.cipher: CredentialCipher = load_cipher(settings)
        self.adapters: Mapping[str, Adapter] = build_adapters(settings)
        self.worker = DeliveryWorker(db, settings, self.adapters, self.cipher)
        self.syncs = SyncWorker(db, settings, self.adapters, self.cipher)
        self.tracking = Tracking(settings.shared.public_url, default_on=settings.track_links)
        self.link_cache = LinkCache(ttl_seconds=settings.link_cache_seconds)
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
            ),
            database=db,
        )
        self.background.append(self.worker.run)
        self.background.append(self.syncs.run)

    async def start(self) -> None:
        await super().start()
        self.clicks.start()

    async def stop(self) -> None:
        await self.clicks.stop()  # queued clicks are written before the database closes
        await super().stop()
        for adapter in self.adapters.values():
            await adapter.aclose()


Runtime = Annotated[ChannelRuntime, Depends(runtime_dependency(ChannelRuntime))]
