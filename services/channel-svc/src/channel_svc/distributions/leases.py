"""How a delivery worker holds the distributions it works on: under a lease.

One holder per process. A worker claims due rows under its lease, renews it every third
of its length while it lives, and renews it on a row before each step that changes
something on the platform (`StoredProgress`), stopping with `LeaseLost` when the row is
no longer its own. Rows whose lease ran out (their worker was killed) are taken back by
any replica; a worker stopping cleanly hands its rows back at once. The SQL is in
`repository.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from servicekit.db import Database

from channel_svc.adapters.base import LeaseLost
from channel_svc.distributions import repository

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Lease:
    """Who holds the rows a worker claims (one holder per process), and for how long
    without renewal."""

    holder: str
    seconds: float

    def until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)


class StoredProgress:
    """A distribution's progress, written to the database at every `save`, while the
    worker holds the row: `save` and `step` renew its lease, or raise `LeaseLost`."""

    def __init__(self, db: Database, distribution_id: str, data: dict[str, Any], lease: Lease):
        self.db = db
        self.distribution_id = distribution_id
        self.data: dict[str, Any] = dict(data)
        self.lease = lease

    async def step(self) -> None:
        async with self.db.transaction() as session:
            if not await repository.hold(session, self.lease, self.distribution_id):
                raise LeaseLost(self.distribution_id)

    async def save(self, **values: Any) -> None:
        async with self.db.transaction() as session:
            if not await repository.hold(session, self.lease, self.distribution_id):
                # What this worker did is left for an operator to find (a draft in the
                # platform's console); the worker holding the row now keeps its own.
                log.warning("delivery_progress_of_a_lost_lease", progress=values)
                raise LeaseLost(self.distribution_id)
            await repository.save_progress(session, self.distribution_id, values)
        self.data.update(values)


class LeaseKeeper:
    """Keeps a worker's lease on the rows it is sending (`in_flight`), takes back what
    killed workers left, and hands this worker's rows back when it stops."""

    def __init__(self, db: Database, lease: Lease, *, on_released: Callable[[], None]) -> None:
        self.db = db
        self.lease = lease
        self.on_released = on_released
        self.in_flight: set[str] = set()

    async def keep(self) -> None:
        """Take back what killed workers left (at start, then every third of a lease), and
        renew the lease on what this worker is sending."""
        while True:
            try:
                async with self.db.transaction() as session:
                    held = list(self.in_flight)
                    kept = await repository.renew(session, self.lease, held)
                    released = await repository.release_lapsed(session)
                # Still being sent here, yet no longer ours: settled rows have left in_flight.
                lost = [i for i in held if i in self.in_flight and i not in kept]
                if lost:
                    log.warning("delivery_leases_lost", distribution_ids=lost)
                if released:
                    log.warning("deliveries_resumed_after_interruption", count=released)
                    self.on_released()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the next round retries
                log.warning("delivery_lease_round_failed", error=repr(exc))
            await asyncio.sleep(self.lease.seconds / 3)

    async def hand_back(self) -> None:
        """On a clean stop, what this worker was sending goes back to pending at once."""
        try:
            async with asyncio.timeout(5), self.db.transaction() as session:
                returned = await repository.hand_back(session, self.lease.holder)
        except Exception as exc:  # the process is stopping anyway: the lease will run out
            log.warning("delivery_hand_back_failed", error=repr(exc))
            return
        if returned:
            log.info("deliveries_handed_back", count=returned)
