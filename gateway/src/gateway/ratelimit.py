"""Rate limits with the `limits` library: moving windows, in memory or in Redis.

In memory by default (one gateway process); with `GATEWAY_REDIS_URL` every gateway
instance counts in the same Redis, so the limits hold however many instances run.
Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF draft
headers) and, when refused, `Retry-After` on a 429 problem.

Limits per client count `client_address`: the connection's peer, or, when that peer is a
proxy named in `MEDIAOPS_FORWARDED_ALLOW_IPS`, the client it names in `X-Forwarded-For`
(uvicorn's proxy-headers middleware, set up by servicekit.cli). Anyone else's
`X-Forwarded-For` is ignored, so a client cannot pick the address it is counted as.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from servicekit.problems import TooManyRequests
from starlette.requests import Request

from gateway.telemetry import RATE_LIMITED


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


def client_address(request: Request) -> str:
    """The address per-client limits count (see the module's docstring)."""
    return request.client.host if request.client else "unknown"


class RateLimiter:
    def __init__(self, redis_url: str | None = None, *, namespace: str = "mediaops-gateway"):
        storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            built = storage_from_string(uri, implementation="redispy", key_prefix=namespace)
            assert isinstance(built, Storage)
            storage = built
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self._items: dict[str, RateLimitItem] = {}

    def item(self, spec: str) -> RateLimitItem:
        if spec not in self._items:
            self._items[spec] = parse(spec)
        return self._items[spec]

    async def hit(self, spec: str, *identifiers: str) -> Verdict:
        item = self.item(spec)
        allowed = await self.strategy.hit(item, *identifiers)
        stats = await self.strategy.get_window_stats(item, *identifiers)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(
            allowed=allowed, limit=item.amount, remaining=stats.remaining, reset_seconds=reset
        )

    async def enforce(self, spec: str, *identifiers: str, what: str) -> Verdict:
        """Count one attempt; a 429 problem with the headers when over the limit."""
        verdict = await self.hit(spec, *identifiers)
        if not verdict.allowed:
            RATE_LIMITED.labels(what).inc()
            raise TooManyRequests(
                f"Too many {what}; try again in {max(1, verdict.reset_seconds)} seconds.",
                headers=verdict.headers(),
            )
        return verdict

    async def reset(self) -> None:
        await self.storage.reset()
