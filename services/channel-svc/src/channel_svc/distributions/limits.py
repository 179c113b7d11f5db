"""Send rate limits per channel and per platform.

In memory, per process: several replicas each get the whole rate. Spent quotas, which a
platform states, are kept on the channel row instead (shared, and kept over restarts).
"""

from __future__ import annotations

import time
from collections import deque

from channel_svc.platforms.catalogue import Platform


class SlidingWindow:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._sent: deque[float] = deque()

    def wait_seconds(self, now: float) -> float:
        """0 when one more send fits in the last minute, else how long until it does."""
        while self._sent and self._sent[0] <= now - 60.0:
            self._sent.popleft()
        if len(self._sent) < self.per_minute:
            return 0.0
        return self._sent[0] + 60.0 - now

    def take(self, now: float) -> None:
        self._sent.append(now)


class SendLimits:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._windows: dict[str, SlidingWindow] = {}

    def _window(self, key: str, per_minute: int) -> SlidingWindow:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(per_minute)
        return window

    def acquire(self, platform: Platform, channel_id: str) -> float:
        """Take a send slot: 0.0 when taken, else the seconds to wait before trying again."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        windows = [
            self._window(f"platform:{platform.key}", platform.platform_rate_per_minute),
            self._window(f"channel:{channel_id}", platform.channel_rate_per_minute),
        ]
        wait = max(window.wait_seconds(now) for window in windows)
        if wait > 0:
            return wait
        for window in windows:
            window.take(now)
        return 0.0
