"""The content-svc runtime: servicekit's runtime plus the scheduled publisher, the feed
fetcher and the channel-svc client; and the endpoint dependencies that reach them."""

from __future__ import annotations

import asyncio
from typing import Annotated

import structlog
from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, runtime_dependency

from content_svc.consumers import make_handlers
from content_svc.media.service import Library
from content_svc.media.storage import build_storage
from content_svc.models import IdempotencyKey, OutboxMessage, ProcessedEvent
from content_svc.posts.publishing import publish_due
from content_svc.queue.best_times import BestTimesClient
from content_svc.recurrence.service import release_due
from content_svc.replicas.channel_lookup import ChannelServiceClient
from content_svc.settings import Settings
from content_svc.sources.fetching import SourceFetcher

log = structlog.get_logger(__name__)


class ContentRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent
    idempotency_model = IdempotencyKey

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        super().__init__(
            settings,
            handlers=make_handlers(min_askers=settings.user_need_min_askers),
            database=database,
        )
        self.fetcher = SourceFetcher(self.db, settings)
        self.media = Library.from_settings(settings, build_storage(settings))
        self.background.extend([self.publish_scheduled, self.fetcher.run_forever])

    def channel_service(self, authorization: str | None) -> ChannelServiceClient:
        """A client that asks channel-svc about channels as the caller (with their token)."""
        return ChannelServiceClient(
            self.settings.channel_svc_url,
            timeout_seconds=self.settings.channel_lookup_timeout_seconds,
            authorization=authorization,
        )

    def best_times(self, authorization: str | None) -> BestTimesClient:
        """A client that asks metrics-svc for channels' best times as the caller."""
        return BestTimesClient(
            self.settings.metrics_svc_url,
            timeout_seconds=self.settings.best_times_timeout_seconds,
            authorization=authorization,
        )

    async def publish_scheduled(self) -> None:
        """Publish scheduled posts when their time comes (durable: the state is in rows)."""
        while True:
            try:
                async with self.db.transaction() as session:
                    published = await publish_due(session, self.media)
                    published += await release_due(session, self.media)
                if published:
                    continue  # more may be due
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduled_publishing_failed", error=repr(exc))
            await asyncio.sleep(self.settings.publish_poll_seconds)


Runtime = Annotated[ContentRuntime, Depends(runtime_dependency(ContentRuntime))]


async def channel_service(request: Request, runtime: Runtime) -> ChannelServiceClient:
    return runtime.channel_service(request.headers.get("authorization"))


async def media_library(runtime: Runtime) -> Library:
    return runtime.media


# The media library: its store, its caps and how long its links work.
MediaLibrary = Annotated[Library, Depends(media_library)]


# Asks channel-svc about channels the local copy lacks, as the caller.
ChannelService = Annotated[ChannelServiceClient, Depends(channel_service)]


async def best_times(request: Request, runtime: Runtime) -> BestTimesClient:
    return runtime.best_times(request.headers.get("authorization"))


# Asks metrics-svc for the channels' best times, as the caller (the posting queue's ranking).
BestTimes = Annotated[BestTimesClient, Depends(best_times)]
