"""The distributions' queries: reading them, planning them, and the delivery workers'
leases and send windows.

Leases: a worker claims due rows under its lease (`claim_due`, `claim_watch_due`), renews
it while it works on them (`renew`, `hold`), and gives them back when it stops cleanly
(`hand_back`); rows whose lease ran out, because their worker was killed, are taken back
by any replica (`release_lapsed`). On PostgreSQL the claims skip rows another worker has
locked, so two replicas never claim the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from servicekit.db import dialect_insert, utcnow
from servicekit.pagination import PageRequest
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.kit.queries import workspace_page
from channel_svc.models import DUE_STATUSES, Distribution, DistributionStatus, SendWindow

if TYPE_CHECKING:
    from channel_svc.distributions.leases import Lease


# -- reading ------------------------------------------------------------------------------


async def find(
    session: AsyncSession, *, workspace_id: str, distribution_id: str
) -> Distribution | None:
    return await session.scalar(
        select(Distribution).where(
            Distribution.id == distribution_id, Distribution.workspace_id == workspace_id
        )
    )


async def page(
    session: AsyncSession,
    *,
    workspace_id: str,
    post_id: str | None,
    channel_id: str | None,
    status: DistributionStatus | None,
    paging: PageRequest,
) -> tuple[list[Distribution], str | None]:
    given = (
        (Distribution.post_id, post_id),
        (Distribution.channel_id, channel_id),
        (Distribution.status, None if status is None else status.value),
    )
    return await workspace_page(
        session, Distribution, workspace_id=workspace_id, given=given, paging=paging
    )


async def latest_snapshot(
    session: AsyncSession, *, workspace_id: str, post_id: str, channel_id: str
) -> dict[str, Any] | None:
    """The post as it was sent to `channel_id` (its variant there), else as it was last
    published to another of this workspace's channels."""
    return await session.scalar(
        select(Distribution.snapshot)
        .where(Distribution.workspace_id == workspace_id, Distribution.post_id == post_id)
        .order_by((Distribution.channel_id == channel_id).desc(), Distribution.created_at.desc())
        .limit(1)
    )


async def planned_channels(
    session: AsyncSession, post_id: str, channel_ids: list[str], occurrence: int = 0
) -> set[str]:
    """Which of `channel_ids` already have a distribution of the post's `occurrence`."""
    rows = await session.scalars(
        select(Distribution.channel_id).where(
            Distribution.post_id == post_id,
            Distribution.channel_id.in_(channel_ids),
            Distribution.occurrence == occurrence,
        )
    )
    return set(rows.all())


async def of_occurrence(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str, occurrence: int
) -> Distribution | None:
    """The post's distribution to the channel in the `occurrence`, locked until the
    transaction ends (a worker claiming it waits, or it was claimed first)."""
    return await session.scalar(
        select(Distribution)
        .where(
            Distribution.workspace_id == workspace_id,
            Distribution.post_id == post_id,
            Distribution.channel_id == channel_id,
            Distribution.occurrence == occurrence,
        )
        .with_for_update()
    )


async def locked(session: AsyncSession, distribution_id: str) -> Distribution | None:
    """The row, locked until the transaction ends: one settlement at a time."""
    return await session.scalar(
        select(Distribution).where(Distribution.id == distribution_id).with_for_update()
    )


async def save_progress(
    session: AsyncSession, distribution_id: str, values: dict[str, Any]
) -> None:
    distribution = await session.get(Distribution, distribution_id)
    if distribution is not None:
        distribution.progress = {**(distribution.progress or {}), **values}
        distribution.updated_at = utcnow()
        await session.flush()


# -- leases -------------------------------------------------------------------------------


def _released(now: datetime) -> dict[str, object]:
    return {
        "status": DistributionStatus.PENDING.value,
        "claimed_by": None,
        "lease_until": None,
        "next_attempt_at": now,
        "updated_at": now,
    }


async def release_lapsed(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Put back to pending what a killed worker left in `sending` (its lease ran out, or it
    was claimed before leases existed): the adapter resumes from the distribution's
    progress, so nothing reaches the platform twice."""
    now = now or utcnow()
    result = await session.execute(
        update(Distribution)
        .where(
            Distribution.status == DistributionStatus.SENDING.value,
            or_(Distribution.lease_until.is_(None), Distribution.lease_until < now),
        )
        .values(_released(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def hand_back(session: AsyncSession, holder: str, *, now: datetime | None = None) -> int:
    """A worker stopping cleanly returns the rows it holds (sends and looks at published
    posts), for the next one to take now."""
    now = now or utcnow()
    result = await session.execute(
        update(Distribution)
        .where(
            Distribution.status == DistributionStatus.SENDING.value,
            Distribution.claimed_by == holder,
        )
        .values(_released(now))
    )
    await session.execute(
        update(Distribution)
        .where(
            Distribution.status == DistributionStatus.SUCCEEDED.value,
            Distribution.claimed_by == holder,
        )
        .values(claimed_by=None, lease_until=None, next_check_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def renew(
    session: AsyncSession, lease: Lease, ids: Sequence[str], *, now: datetime | None = None
) -> set[str]:
    """Extend the lease on the rows this worker is still sending: the ids it still holds
    (one missing was settled meanwhile, or taken back because this worker was too slow)."""
    if not ids:
        return set()
    now = now or utcnow()
    renewed = await session.scalars(
        update(Distribution)
        .where(
            Distribution.id.in_(list(ids)),
            Distribution.status == DistributionStatus.SENDING.value,
            Distribution.claimed_by == lease.holder,
        )
        .values(lease_until=lease.until(now))
        .returning(Distribution.id)
    )
    return set(renewed.all())


async def hold(
    session: AsyncSession, lease: Lease, distribution_id: str, *, now: datetime | None = None
) -> bool:
    """Renew the lease on one row this worker is sending, before it acts on the platform
    again; False when the row is no longer its own (its lease ran out and another worker
    took it, or it was settled), and the worker must stop.

    On PostgreSQL this update and a replica's `release_lapsed` or `claim_due` of the row
    take turns on its lock: either the renewal comes first and the row stays, or the
    row was taken first and the renewal finds it gone."""
    return bool(await renew(session, lease, [distribution_id], now=now))


async def claim_due(
    session: AsyncSession, *, limit: int, lease: Lease, now: datetime | None = None
) -> list[Distribution]:
    """Mark the next due distributions `sending`, held by `lease`, and count the attempt
    (a confirmation poll is not an attempt)."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(Distribution)
            .where(Distribution.status.in_(DUE_STATUSES), Distribution.next_attempt_at <= now)
            .order_by(Distribution.next_attempt_at, Distribution.created_at, Distribution.id)
            .limit(limit)
            # Several workers (replicas) on PostgreSQL never claim the same row.
            .with_for_update(skip_locked=True)
        )
    ).all()
    for distribution in rows:
        if distribution.status != DistributionStatus.CONFIRMING:
            distribution.attempts += 1
        distribution.status = DistributionStatus.SENDING.value
        distribution.claimed_by = lease.holder
        distribution.lease_until = lease.until(now)
        distribution.updated_at = now
    await session.flush()
    return list(rows)


async def claim_watch_due(
    session: AsyncSession, *, limit: int, lease: Lease, now: datetime | None = None
) -> list[Distribution]:
    """Published distributions due for a look (still up on the platform?), held by
    `lease`: the next look falls due when the lease runs out, so that a look a killed
    worker claimed is taken again, and by no one else meanwhile."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(Distribution)
            .where(
                Distribution.status == DistributionStatus.SUCCEEDED.value,
                Distribution.next_check_at <= now,
            )
            .order_by(Distribution.next_check_at, Distribution.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for distribution in rows:
        distribution.claimed_by = lease.holder
        distribution.lease_until = lease.until(now)
        distribution.next_check_at = distribution.lease_until  # set again when settled
    await session.flush()
    return list(rows)


# -- send windows -------------------------------------------------------------------------


async def send_windows(session: AsyncSession, keys: list[str]) -> dict[str, SendWindow]:
    """The send windows of `keys`, made when missing, locked until the transaction ends
    (in key order, so two takers never wait for each other crosswise)."""
    await session.execute(
        dialect_insert(session, SendWindow)
        .values([{"key": key, "sent": []} for key in keys])
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = await session.scalars(
        select(SendWindow)
        .where(SendWindow.key.in_(keys))
        .order_by(SendWindow.key)
        .with_for_update()
    )
    return {row.key: row for row in rows.all()}


async def mass_sent_since(
    session: AsyncSession, channel_id: str, *, since: datetime, but: str
) -> list[Distribution]:
    """The channel's other distributions changed since `since` that mass-sent a post."""
    rows = await session.scalars(
        select(Distribution).where(
            Distribution.channel_id == channel_id,
            Distribution.id != but,
            Distribution.updated_at >= since,
        )
    )
    return [row for row in rows if (row.progress or {}).get("mass_sent_on")]
