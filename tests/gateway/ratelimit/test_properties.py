"""The rate limiter, for any sequence of callers (hypothesis): never more than the limit
inside the window, never a refusal below it, and honest headers."""

from __future__ import annotations

import asyncio

from gateway.ratelimit import RateLimiter
from hypothesis import given, settings
from hypothesis import strategies as st

callers = st.lists(st.sampled_from(["alice", "bob", "key-1", "key-2"]), max_size=60)


@settings(max_examples=100, deadline=None)
@given(limit=st.integers(1, 12), sequence=callers)
def test_each_caller_gets_exactly_the_limit_within_a_window(
    limit: int, sequence: list[str]
) -> None:
    async def run() -> None:
        limiter = RateLimiter()  # in memory; every hit lands in the same minute
        spec = f"{limit}/minute"
        seen: dict[str, int] = {}
        for caller in sequence:
            verdict = await limiter.hit(spec, "requests", caller)
            seen[caller] = seen.get(caller, 0) + 1
            assert verdict.allowed == (seen[caller] <= limit)
            assert verdict.limit == limit
            assert verdict.remaining == max(0, limit - seen[caller])
            headers = verdict.headers()
            assert headers["RateLimit-Limit"] == str(limit)
            assert ("Retry-After" in headers) == (not verdict.allowed)
            if not verdict.allowed:
                assert 1 <= int(headers["Retry-After"]) <= 60

    asyncio.run(run())
