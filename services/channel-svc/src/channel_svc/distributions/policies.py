"""How long the delivery worker waits: between attempts after a transient failure,
between looks at a post the platform is still publishing, and between looks at a
published post it watches (deleted or banned later?)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float

    def delay(self, attempts: int, *, rng: Callable[[], float] = random.random) -> timedelta:
        """Exponential backoff with jitter: half fixed, half random, so retries spread out."""
        ceiling = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


@dataclass(frozen=True)
class ConfirmPolicy:
    """How often a submitted post is asked about, and how long a published one is watched."""

    poll_seconds: float = 10.0
    poll_max_seconds: float = 600.0
    timeout_seconds: float = 86_400.0
    watch_seconds: float = 3 * 86_400.0
    watch_interval_seconds: float = 3600.0

    def poll_delay(self, polls: int) -> timedelta:
        return timedelta(seconds=min(self.poll_seconds * 2 ** max(polls, 0), self.poll_max_seconds))

    def watch_delay(self, checks: int) -> timedelta:
        # 1 h, 2 h, 4 h ... capped at a day: a deletion is seen within hours, at little cost.
        return timedelta(seconds=min(self.watch_interval_seconds * 2 ** max(checks, 0), 86_400.0))
