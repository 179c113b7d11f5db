"""The channel-svc runtime: servicekit's runtime plus the adapters, cipher and delivery worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, cast

from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime

from channel_svc.adapters import Adapter, build_adapters
from channel_svc.consumers.campaign_changed import campaign_changed_handler
from channel_svc.consumers.post_published import post_published_handler
from channel_svc.consumers.wordlist_changed import handle_wordlist_changed
from channel_svc.crypto import CredentialCipher, load_cipher
from channel_svc.distributions.delivery import DeliveryWorker
from channel_svc.links.cache import LinkCache
from channel_svc.links.clicks import ClickRecorder
from channel_svc.links.service import Tracking
from channel_svc.models import OutboxMessage, ProcessedEvent
from channel_svc.settings import Settings


class ChannelRuntime(ServiceRuntime):
    settings: Settings

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        db = database or Database(settings.database_url)
        self.cipher: CredentialCipher = load_cipher(settings)
        self.adapters: Mapping[str, Adapter] = build_adapters(settings)
        self.worker = DeliveryWorker(db, settings, self.adapters, self.cipher)
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
            outbox_model=OutboxMessage,
            processed_model=ProcessedEvent,
            handlers={
                "post.published": post_published_handler(self.worker.wake, self.tracking),
                "campaign.changed": campaign_changed_handler(self.link_cache.clear),
                "wordlist.changed": handle_wordlist_changed,
            },
            database=db,
        )
        self.background.append(self.worker.run)

    async def start(self) -> None:
        await super().start()
        self.clicks.start()

    async def stop(self) -> None:
        await self.clicks.stop()  # queued clicks are written before the database closes
        await super().stop()
        for adapter in self.adapters.values():
            await adapter.aclose()


def _runtime(request: Request) -> ChannelRuntime:
    return cast(ChannelRuntime, request.app.state.runtime)


Runtime = Annotated[ChannelRuntime, Depends(_runtime)]
