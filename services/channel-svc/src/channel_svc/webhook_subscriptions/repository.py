"""The webhook subscriptions' queries: the subscriptions, their deliveries and attempts, and
the worker's claims and leases (as the distributions' workers hold theirs: a row is claimed
under a lease, renewed while it is sent, handed back on a clean stop, and taken back by any
replica once a killed worker's lease ran out; on PostgreSQL claims skip locked rows, so two
replicas never claim the same delivery)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from servicekit.db import dialect_insert, utcnow
from servicekit.pagination import PageRequest
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.kit.queries import workspace_page
from channel_svc.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)

PENDING = WebhookDeliveryStatus.PENDING.value
SENDING = WebhookDeliveryStatus.SENDING.value
SETTLED = (WebhookDeliveryStatus.DELIVERED.value, WebhookDeliveryStatus.FAILED.value)


async def find(
    session: AsyncSession, *, workspace_id: str, subscription_id: str
) -> WebhookSubscription | None:
    return await session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.workspace_id == workspace_id,
        )
    )


async def page(
    session: AsyncSession, *, workspace_id: str, paging: PageRequest
) -> tuple[list[WebhookSubscription], str | None]:
    return await workspace_page(
        session, WebhookSubscription, workspace_id=workspace_id, paging=paging
    )


async def enabled_of(
    session: AsyncSession, workspace_ids: Iterable[str]
) -> Sequence[WebhookSubscription]:
    """The enabled subscriptions of these workspaces (a few each: matched in memory)."""
    rows = await session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.workspace_id.in_(sorted(set(workspace_ids))),
            WebhookSubscription.enabled.is_(True),
        )
    )
    return rows.all()


async def add_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One delivery per (subscription, event): a row already there is left as it is."""
    if rows:
        await session.execute(
            dialect_insert(session, WebhookDelivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
        )


async def delivery_page(
    session: AsyncSession,
    *,
    workspace_id: str,
    subscription_id: str,
    status: str | None,
    paging: PageRequest,
) -> tuple[list[WebhookDelivery], str | None]:
    given = ((WebhookDelivery.subscription_id, subscription_id), (WebhookDelivery.status, status))
    return await workspace_page(
        session, WebhookDelivery, workspace_id=workspace_id, given=given, paging=paging
    )


async def find_delivery(
    session: AsyncSession, *, workspace_id: str, subscription_id: str, delivery_id: str
) -> WebhookDelivery | None:
    return await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.workspace_id == workspace_id,
        )
    )


async def attempts_of(session: AsyncSession, delivery_id: str) -> list[WebhookAttempt]:
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    return list(rows.all())


async def fail_pending(session: AsyncSession, subscription_id: str, reason: str) -> int:
    """The subscription was turned off: what waits for it fails (it can be redelivered)."""
    now = utcnow()
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == PENDING
        )
        .values(
            status=WebhookDeliveryStatus.FAILED.value,
            next_attempt_at=None,
            last_error=reason,
            updated_at=now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_events(session: AsyncSession, event_type: str, keys: Sequence[str]) -> int:
    """Delete the deliveries of `event_type` events keyed by one of `keys` (an erased
    member's interactions), sent or not."""
    if not keys:
        return 0
    deleted = await session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.event_type == event_type, WebhookDelivery.event_key.in_(list(keys))
        )
    )
    rows = deleted.all()
    for row in rows:
        await session.delete(row)
    return len(rows)


async def prune_settled(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` delivered or failed deliveries last changed before `before`
    (their attempts go with them)."""
    doomed = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status.in_(SETTLED),
            WebhookDelivery.updated_at < before,
        )
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(doomed)))
    return int(getattr(result, "rowcount", 0) or 0)


# -- the worker's claims and leases -------------------------------------------------------


async def claim_due(
    session: AsyncSession, *, limit: int, holder: str, lease_until: datetime, now: datetime
) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """Mark the next due deliveries of enabled subscriptions `sending`, held by `holder`,
    with their subscriptions."""
    rows = (
        await session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
    ).all()
    for delivery, _ in rows:
        delivery.status = SENDING
        delivery.claimed_by = holder
        delivery.lease_until = lease_until
        delivery.updated_at = now
    await session.flush()
    return [(delivery, subscription) for delivery, subscription in rows]


async def renew(
    session: AsyncSession, holder: str, ids: Sequence[str], *, lease_until: datetime
) -> None:
    if ids:
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(list(ids)),
                WebhookDelivery.status == SENDING,
                WebhookDelivery.claimed_by == holder,
            )
            .values(lease_until=lease_until)
        )


def _released(now: datetime) -> dict[str, object]:
    return {
        "status": PENDING,
        "claimed_by": None,
        "lease_until": None,
        "next_attempt_at": now,
        "updated_at": now,
    }


async def release_lapsed(session: AsyncSession, *, now: datetime) -> int:
    """Back to pending what a killed worker left `sending` (its lease ran out)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == SENDING,
            or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
        )
        .values(_released(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def hand_back(session: AsyncSession, holder: str, *, now: datetime) -> int:
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == SENDING, WebhookDelivery.claimed_by == holder)
        .values(_released(now))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def held(session: AsyncSession, delivery_id: str, holder: str) -> WebhookDelivery | None:
    """The delivery, locked, if `holder` still holds it (else another worker took it)."""
    return await session.scalar(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == SENDING,
            WebhookDelivery.claimed_by == holder,
        )
        .with_for_update()
    )


async def locked_subscription(
    session: AsyncSession, subscription_id: str
) -> WebhookSubscription | None:
    """The subscription, locked while a delivery is settled (`FOR NO KEY UPDATE` on
    PostgreSQL: new deliveries, whose foreign key only shares the key, are not held up)."""
    return await session.scalar(
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .with_for_update(key_share=True)
    )
