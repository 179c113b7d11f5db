"""Send rate limits per channel and per platform, shared by every replica.

A limit is a sliding minute: at most `per_minute` sends in any 60 seconds. The sends of
the last minute are kept in the database, one row per limit (`send_windows`), so that
however many replicas send, together they keep to the platform's rate; each one alone
used to get the whole rate. Taking a slot locks the rows of its limits (in key order, so
two takers never wait for each other crosswise) for one short transaction; at the rates
platforms allow (hundreds a minute at most) that costs nothing. Spent quotas, which a
platform states, are kept on the channel row instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.db import Database, utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.distributions import repository
from channel_svc.platforms.catalogue import Platform

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Limit:
    key: str
    per_minute: int


def limits_of(platform: Platform, channel_id: str) -> list[Limit]:
    return [
        Limit(f"platform:{platform.key}", platform.platform_rate_per_minute),
        Limit(f"channel:{channel_id}", platform.channel_rate_per_minute),
    ]


async def take_slot(session: AsyncSession, limits: list[Limit], now: float) -> float:
    """One send under every one of `limits`: 0.0 when taken (recorded), else the seconds
    until all of them have room again (nothing recorded)."""
    windows = await repository.send_windows(session, sorted(limit.key for limit in limits))
    recent: dict[str, list[float]] = {}
    wait = 0.0
    for limit in limits:
        # Sorted: replicas' clocks differ a little, so their stamps may arrive out of order.
        sent = sorted(float(t) for t in windows[limit.key].sent if float(t) > now - WINDOW_SECONDS)
        recent[limit.key] = sent
        if len(sent) >= limit.per_minute:
            # Room again when the oldest of the last `per_minute` sends leaves the minute.
            wait = max(wait, sent[-limit.per_minute] + WINDOW_SECONDS - now)
    if wait > 0:
        return wait
    for limit in limits:
        windows[limit.key].sent = [*recent[limit.key], now]
    await session.flush()
    return 0.0


class SendLimits:
    def __init__(self, db: Database, *, enabled: bool = True) -> None:
        self.db = db
        self.enabled = enabled

    async def acquire(self, platform: Platform, channel_id: str) -> float:
        """Take a send slot: 0.0 when taken, else the seconds to wait before trying again."""
        if not self.enabled:
            return 0.0
        async with self.db.transaction() as session:
            return await take_slot(session, limits_of(platform, channel_id), utcnow().timestamp())
