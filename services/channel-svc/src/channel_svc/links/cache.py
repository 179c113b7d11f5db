"""Resolved codes kept in memory for a short while: a burst on one link reads the
database once. Unknown codes are kept too, so that guessing costs no query either."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from channel_svc.links.service import Destination


class LinkCache:
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Destination | None]] = OrderedDict()

    def get(self, code: str) -> tuple[bool, Destination | None]:
        """(found, destination); a found None is a code known not to exist."""
        entry = self._entries.get(code)
        if entry is None:
            return False, None
        expires, destination = entry
        if expires < self._clock():
            del self._entries[code]
            return False, None
        self._entries.move_to_end(code)
        return True, destination

    def put(self, code: str, destination: Destination | None) -> None:
        if self.ttl <= 0:
            return
        self._entries[code] = (self._clock() + self.ttl, destination)
        self._entries.move_to_end(code)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
