"""What operators do with distributions: read them, send one again, cancel one, record
a post published by hand. The states these move between are in `outcomes.py`; planning a
published post is `planning.py`; sending is the delivery worker's (`delivery.py`).
Nothing here commits; the request owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from servicekit.db import utcnow
from servicekit.problems import Conflict, Invalid, found_in_workspace
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import DeliveryResult
from channel_svc.channels import repository as channels
from channel_svc.distributions import outcomes, planning, repository
from channel_svc.links.service import Tracking
from channel_svc.models import Distribution

# When an operator says they posted a manual copy: clocks differ by a few minutes, and a
# month back is as far as a completion is worth dating (older posts go in as history,
# with their figures, through the stats import).
CLOCK_SKEW = timedelta(minutes=5)
BACKDATE_LIMIT = timedelta(days=30)


async def get_distribution(
    session: AsyncSession, *, workspace_id: str, distribution_id: str
) -> Distribution:
    distribution = await repository.find(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    return found_in_workspace(distribution, f"distribution {distribution_id}")


list_distributions = repository.page


async def retry(
    session: AsyncSession,
    *,
    workspace_id: str,
    distribution_id: str,
    now: datetime | None = None,
    tracking: Tracking | None = None,
) -> tuple[Distribution, bool]:
    """Plan a failed, cancelled or taken-down distribution again (checks run again: the
    word lists may have changed), lifting the channel's quota block. Returns it and
    whether the worker has to send it."""
    now = now or utcnow()
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    outcomes.require(distribution, "retry")
    channel = await channels.find(
        session, workspace_id=workspace_id, channel_id=distribution.channel_id, with_deleted=True
    )
    reason = planning.unavailable_reason(channel, workspace_id)
    if reason is not None or channel is None:
        raise Conflict(f"This distribution cannot be sent again: {reason}.")
    # An operator sending again says the quota is back (raised, or cleared in the
    # platform's console): if it is not, the platform's answer sets the block again.
    channel.quota_blocked_until = None
    outcomes.reset(distribution)
    to_send = await planning.plan_again(session, distribution, channel, tracking=tracking, now=now)
    await session.flush()
    return distribution, to_send


async def cancel(
    session: AsyncSession, *, workspace_id: str, distribution_id: str, now: datetime | None = None
) -> Distribution:
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    outcomes.cancel(session, distribution, now=now or utcnow())
    await session.flush()
    return distribution


def _check_published_at(published_at: datetime, now: datetime) -> None:
    if published_at > now + CLOCK_SKEW:
        raise Invalid.field(
            "published_at",
            f"{published_at.isoformat()} is in the future (the server's time is "
            f"{now.isoformat(timespec='seconds')})",
        )
    if published_at < now - BACKDATE_LIMIT:
        raise Invalid.field(
            "published_at",
            f"{published_at.isoformat()} is more than {BACKDATE_LIMIT.days} days ago; "
            "import older posts with their figures as history (POST /api/v1/stats)",
        )


async def complete(
    session: AsyncSession,
    *,
    workspace_id: str,
    distribution_id: str,
    url: str,
    external_id: str | None,
    published_at: datetime | None = None,
    now: datetime | None = None,
) -> Distribution:
    """The operator posted the copy by hand; `published_at` is when, if not just now (the
    benchmark counts a post's age from it)."""
    now = now or utcnow()
    if published_at is not None:
        _check_published_at(published_at, now)
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    outcomes.require(distribution, "complete")
    delivered = DeliveryResult.delivered(external_id=external_id, url=url)
    outcomes.succeed(session, distribution, delivered, now=now, published_at=published_at)
    await session.flush()
    return distribution
