"""Driving fetches: claim due sources, fetch them outside any transaction, record outcomes.

A fetch never holds a database transaction while it waits on the network: the source is
read (or claimed) in one short transaction, fetched, and the outcome (ideas included) is
written in another. Claiming pushes `next_fetch_at` forward by a lease first, so a second
worker (another replica, a restart mid-fetch) does not fetch the same source twice; a
failure of one source is recorded on it and never stops the others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import httpx
import structlog
from servicekit.db import Database, utcnow
from sqlalchemy.exc import IntegrityError

from content_svc.models import Source
from content_svc.settings import Settings
from content_svc.sources import repository, service
from content_svc.sources.feeds import FeedError, fetch_feed, parse_feed
from content_svc.telemetry import FEED_FETCHES

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class FetchOutcome:
    outcome: Literal["fetched", "not_modified", "failed"]
    new_ideas: int = 0
    entries: int = 0
    error: str | None = None


@dataclass(frozen=True)
class _Target:
    id: str
    workspace_id: str
    url: str
    etag: str | None
    last_modified: str | None


class SourceFetcher:
    def __init__(
        self, db: Database, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport

    async def fetch_now(self, workspace_id: str, source_id: str) -> FetchOutcome:
        """Fetch one source of the workspace now (404 when it is not theirs)."""
        async with self.db.transaction() as session:
            source = await service.get_source(session, workspace_id, source_id)
            target = _target(source)
        return await self._fetch_and_record(target)

    async def fetch_and_reload(
        self, workspace_id: str, source_id: str
    ) -> tuple[FetchOutcome, Source]:
        """`fetch_now`, and the source as the fetch left it."""
        outcome = await self.fetch_now(workspace_id, source_id)
        async with self.db.transaction(read_only=True) as session:
            source = await service.get_source(session, workspace_id, source_id)
        return outcome, source

    async def fetch_due(self, *, now: datetime | None = None, limit: int = 20) -> int:
        """Fetch the sources whose time has come; returns how many were fetched."""
        targets = await self._claim(now or utcnow(), limit)
        semaphore = asyncio.Semaphore(self.settings.feed_concurrency)

        async def one(target: _Target) -> None:
            async with semaphore:
                try:
                    await self._fetch_and_record(target)
                except Exception as exc:  # one source's bug must not stop the others
                    log.exception("source_fetch_crashed", source_id=target.id, error=repr(exc))

        await asyncio.gather(*(one(target) for target in targets))
        return len(targets)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.fetch_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("source_scheduler_failed", error=repr(exc))
            await asyncio.sleep(self.settings.source_poll_seconds)

    async def _claim(self, now: datetime, limit: int) -> list[_Target]:
        async with self.db.transaction() as session:
            sources = await repository.claim_due(session, now, limit=limit)
            for source in sources:
                source.next_fetch_at = now + LEASE
            return [_target(source) for source in sources]

    async def _fetch_and_record(self, target: _Target) -> FetchOutcome:
        settings = self.settings
        try:
            fetched = await fetch_feed(
                target.url,
                etag=target.etag,
                last_modified=target.last_modified,
                allow_private=settings.shared.allow_private_urls,
                timeout=settings.feed_timeout_seconds,
                max_bytes=settings.feed_max_bytes,
                transport=self.transport,
            )
            entries = (
                [] if fetched.not_modified else await asyncio.to_thread(parse_feed, fetched.body)
            )
        except FeedError as exc:
            await self._record_failure(target, str(exc))
            log.info("source_fetch_failed", source_id=target.id, error=str(exc))
            FEED_FETCHES.labels("failed").inc()
            return FetchOutcome("failed", error=str(exc))
        for attempt in (1, 2):
            try:
                async with self.db.transaction() as session:
                    source = await session.get(Source, target.id, with_for_update=True)
                    if source is None:  # deleted while it was being fetched
                        return FetchOutcome("failed", error="the source was deleted")
                    now = utcnow()
                    created = await service.ingest_entries(session, source, entries, now=now)
                    service.record_success(
                        source, now=now, etag=fetched.etag, last_modified=fetched.last_modified
                    )
                break
            except IntegrityError:
                # Another source of the workspace stored one of these entries meanwhile.
                if attempt == 2:
                    raise
        FEED_FETCHES.labels("not_modified" if fetched.not_modified else "ok").inc()
        return FetchOutcome(
            "not_modified" if fetched.not_modified else "fetched",
            new_ideas=created,
            entries=len(entries),
        )

    async def _record_failure(self, target: _Target, error: str) -> None:
        async with self.db.transaction() as session:
            source = await session.get(Source, target.id, with_for_update=True)
            if source is not None:
                service.record_failure(
                    source,
                    error,
                    now=utcnow(),
                    max_backoff=timedelta(minutes=self.settings.source_max_backoff_minutes),
                )


def _target(source: Source) -> _Target:
    return _Target(source.id, source.workspace_id, source.url, source.etag, source.last_modified)
