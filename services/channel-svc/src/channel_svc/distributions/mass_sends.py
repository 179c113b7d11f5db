"""The account's mass-send limit, checked before a mass send goes out: a WeChat
subscription account mass-sends once a Beijing day, so a second one that day waits for the
next Beijing midnight (deferred, with the reason), rather than being refused by WeChat
(45028, which defers it too)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import DeliveryResult, reached_platform
from channel_svc.adapters.wechat_mass import MASS_SENT_ON, beijing_day, spent
from channel_svc.distributions import repository
from channel_svc.models import Channel, Distribution


def mass_send_options(distribution: Distribution) -> dict[str, Any] | None:
    """The post's options for this channel when they ask for a mass send (else None)."""
    options = (distribution.snapshot.get("channel_options") or {}).get(distribution.channel_id)
    if isinstance(options, dict) and options.get("mode") == "mass_send":
        return options
    return None


async def once_a_day(
    session: AsyncSession, distribution: Distribution, channel: Channel, *, now: datetime
) -> DeliveryResult | None:
    """A deferral when the account has mass-sent today already; None when it may send (or
    the send is under way: it resumes, never checked twice)."""
    if (
        mass_send_options(distribution) is None
        or channel.config.get("account_type", "subscription") != "subscription"
        or reached_platform(distribution.progress)
    ):
        return None
    today = beijing_day(now)
    for other in await repository.mass_sent_since(
        session, channel.id, since=now - timedelta(days=2), but=distribution.id
    ):
        if other.progress.get(MASS_SENT_ON) == today:
            return spent(
                "a WeChat subscription account mass-sends once a day, and this account "
                f"mass-sent post {other.post_id} today; this one goes at the next Beijing "
                "midnight"
            )
    return None
