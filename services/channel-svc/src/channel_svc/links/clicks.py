"""Clicks are recorded after the redirect has answered.

The redirect only appends the click to a bounded in-memory queue; one background task
writes what has gathered as click rows and `link.clicked` outbox rows in one transaction
per batch, so a burst costs one write per batch, not per click. The outbox relay publishes
the events: nothing is lost while the broker is down.

What can be lost: clicks still in memory when the process dies without a clean shutdown
(at most the queue, normally under `click_flush_seconds` worth of clicks), and clicks that
arrive while the queue is full (the database is down or far too slow), which are dropped
and counted (`mediaops_link_clicks_dropped_total`) rather than slow the redirect. A clean
shutdown writes everything queued before the database is closed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime

import structlog
from event_contracts import LinkClickedV1
from prometheus_client import Counter
from servicekit.db import Database, utcnow

from channel_svc.events import emit
from channel_svc.links import repository
from channel_svc.links.service import Destination, link_fields

log = structlog.get_logger(__name__)

CLICKS_RECORDED = Counter("mediaops_link_clicks_recorded_total", "Clicks written to the database.")
CLICKS_DROPPED = Counter(
    "mediaops_link_clicks_dropped_total", "Clicks dropped because the click queue was full."
)
STOP_ATTEMPTS = 3


@dataclass(frozen=True)
class ClickRecord:
    click_id: str
    destination: Destination
    clicked_at: datetime


class ClickRecorder:
    def __init__(
        self,
        db: Database,
        *,
        max_queued: int = 50_000,
        batch_max: int = 1000,
        flush_seconds: float = 0.2,
        retry_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.max_queued = max_queued
        self.batch_max = batch_max
        self.flush_seconds = flush_seconds
        self.retry_seconds = retry_seconds
        self.dropped = 0
        self._queue: deque[ClickRecord] = deque()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def queued(self) -> int:
        return len(self._queue)

    def record(self, destination: Destination) -> None:
        """Queue a click; never waits, never fails."""
        if len(self._queue) >= self.max_queued:
            self.dropped += 1
            CLICKS_DROPPED.inc()
            if self.dropped % 1000 == 1:
                log.warning("click queue full, clicks dropped", dropped=self.dropped)
            return
        self._queue.append(ClickRecord(str(uuid.uuid4()), destination, utcnow()))
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        """Write everything queued, then return (the caller closes the database after)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()  # anything queued after the task's last round

    async def run(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            if self.flush_seconds and not self._stopping:
                await asyncio.sleep(self.flush_seconds)  # let a burst gather into one batch
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write the queue in batches; retries a failing write (the database is down)
        until it works, or a few times while stopping."""
        while self._queue:
            batch = [self._queue[i] for i in range(min(self.batch_max, len(self._queue)))]
            attempts = 0
            while True:
                try:
                    await self._write(batch)
                    break
                except Exception:
                    attempts += 1
                    log.exception("writing clicks failed", clicks=len(batch), attempts=attempts)
                    if self._stopping and attempts >= STOP_ATTEMPTS:
                        lost = len(self._queue)
                        self._queue.clear()
                        log.error("clicks lost at shutdown: the database is unreachable", lost=lost)
                        return
                    await asyncio.sleep(self.retry_seconds)
            for _ in batch:
                self._queue.popleft()
            CLICKS_RECORDED.inc(len(batch))

    async def _write(self, batch: list[ClickRecord]) -> None:
        async with self.db.transaction() as session:
            rows = [
                {
                    "id": click.click_id,
                    "link_id": click.destination.link_id,
                    "workspace_id": click.destination.workspace_id,
                    "clicked_at": click.clicked_at,
                }
                for click in batch
            ]
            await repository.add_clicks(session, rows)
            for click in batch:
                clicked = LinkClickedV1(
                    **link_fields(click.destination),
                    click_id=click.click_id,
                    clicked_at=click.clicked_at,
                )
                emit(session, clicked, subject=click.destination.code)
