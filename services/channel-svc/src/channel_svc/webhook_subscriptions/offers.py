"""Every event of a workspace is offered to its webhook subscriptions: one delivery per
enabled subscription of the event's workspace that asked for its type, in the transaction
that applied the event (a consumed one) or made it (one channel-svc emits).

`offer` only notes the event on the session; before the transaction commits, one query
finds the subscriptions of all the events noted (a batch of consumed events, a batch of
clicks) and one insert adds their deliveries. A delivery is unique per (subscription,
event): an event offered twice (redelivered by Kafka before its processed id was
recorded, say) adds nothing the second time. Subscriptions are few per workspace, so the
matching is done in memory.
"""

from __future__ import annotations

from event_contracts import CloudEvent
from event_contracts.registry import message_key
from servicekit.db import call_before_commit, new_id, utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import WebhookDeliveryStatus
from channel_svc.webhook_subscriptions import repository

OFFERED = "webhook_offers"


def offer(session: AsyncSession, event: CloudEvent) -> None:
    """Note `event` for the workspace's subscriptions; their deliveries are added right
    before the session's transaction commits (the runtime wakes the worker after it)."""
    session.info.setdefault(OFFERED, []).append(event)
    call_before_commit(session, record)


async def record(session: AsyncSession) -> None:
    """Add the deliveries of the events noted on the session."""
    events: list[CloudEvent] = session.info.pop(OFFERED, [])
    if not events:
        return
    subscriptions = await repository.enabled_of(session, (e.workspaceid for e in events))
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "subscription_id": subscription.id,
            "workspace_id": event.workspaceid,
            "event_id": event.id,
            "event_type": event.type,
            "event_key": message_key(event).decode("utf-8")[:200],
            "occurred_at": event.time,
            "data": event.data,
            "status": WebhookDeliveryStatus.PENDING.value,
            "attempts": 0,
            "round_attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for event in events
        for subscription in subscriptions
        if subscription.workspace_id == event.workspaceid and event.type in subscription.event_types
    ]
    await repository.add_deliveries(session, rows)
