"""Wakes this process's live streams when the gateway has stored new events.

Every stream reads the events from the database (`stream_events`), which every gateway
replica shares; this only spares them the wait until their next look when the event was
applied here. Events applied by another replica are found by that next look.
"""

from __future__ import annotations

import asyncio
import contextlib


class StreamHub:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def wake(self) -> None:
        """New events were committed: every waiting stream looks now."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait(self, timeout: float) -> None:
        """Until woken, or `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait()
