"""How long a consumer lets the broker hold an empty fetch: short while events flow, longer
once the consumer has been idle for a while.

Every consumer fetches again as soon as a fetch returns, so the wait sets the idle cost: at
5 ms an idle consumer and the embedded broker spend a fifth of a core between them, at
1,000 ms well under a hundredth (bench/findings.md, "Idle consumers" and "An idle stack,
again"). A short wait is what keeps each hop of a busy pipeline fast, so the wait stays
short while records arrive and grows only after `idle_after` seconds without any, doubling
per empty fetch up to the ceiling. Apache Kafka answers a held fetch as soon as data
arrives; the embedded broker only at its next scan of the partitions (up to half the wait
later), so there the first event after a quiet spell waits up to half a long fetch, and the
ones after it do not.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

# aiokafka's default interval of its fetcher routine and this module's shortest poll.
POLL_FLOOR_MS = 200


class FetchWait:
    def __init__(
        self,
        busy_ms: int,
        idle_ms: int,
        *,
        idle_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.busy_ms = busy_ms
        self.idle_ms = max(idle_ms, busy_ms)
        self.idle_after = idle_after
        self._clock = clock
        self._last_record = clock()
        self.current_ms = busy_ms

    def after_fetch(self, got_records: bool) -> int:
        """The wait for the next fetch, given whether this one brought anything."""
        now = self._clock()
        if got_records:
            self._last_record = now
            self.current_ms = self.busy_ms
        elif now - self._last_record >= self.idle_after:
            self.current_ms = min(self.current_ms * 2, self.idle_ms)
        return self.current_ms

    def poll_ms(self) -> int:
        """How long the caller's `getmany` may wait for records: never shorter than aiokafka's
        own 200 ms, as long as a fetch once idle. `getmany` returns as soon as records
        arrive, so this costs no latency; it only spares an idle loop its wake-ups."""
        return max(POLL_FLOOR_MS, self.current_ms)

    def apply(self, consumer: AIOKafkaConsumer, got_records: bool) -> None:
        """Set the wait of the consumer's next fetch requests. aiokafka reads it from its
        fetcher each time it builds a request and has no public setter (aiokafka 0.14).
        The fetcher's own background routine also wakes every `_fetcher_timeout` (200 ms)
        while a fetch is in flight, to find nothing to do: it follows the wait too."""
        wait = self.after_fetch(got_records)
        fetcher = getattr(consumer, "_fetcher", None)
        if fetcher is not None and hasattr(fetcher, "_fetch_max_wait_ms"):
            fetcher._fetch_max_wait_ms = wait
        if fetcher is not None and hasattr(fetcher, "_fetcher_timeout"):
            fetcher._fetcher_timeout = self.poll_ms() / 1000
