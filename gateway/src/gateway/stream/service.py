"""The live stream's events: which events a workspace's operators see as they happen, kept
for `KEEP` so that a client that reconnects with `Last-Event-ID` misses none.

A stream reads its workspace's rows after the last `seq` it sent, so a row must never commit
after a row with a higher `seq` of the same workspace was read: with several gateway
replicas applying events at once, ids drawn from a sequence commit in any order, and a
reader would skip the late one for good. So the writers of one workspace take turns
(`remember`): on PostgreSQL each takes a transaction-scoped advisory lock of the workspace
before drawing its `seq`, held until it commits, so that a workspace's rows commit in `seq`
order (the way Message DB orders a category's messages); SQLite has one writer at a time
anyway. This is exact, where holding back recent rows for a margin is a guess at how long a
transaction may take between drawing its id and committing, and tracking the sequence's
gaps has to guess, too, when a gap is a rolled-back transaction rather than a slow one. The
price: two replicas applying events of one workspace wait for each other's commit (the
lock is taken last in the transaction, so for no longer than the commit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from event_contracts import (
    AlertRaisedV1,
    CloudEvent,
    DistributionFailedV1,
    DistributionManualWaitingV1,
    DistributionSucceededV1,
    InboxItemAssignedV1,
    InteractionReceivedV1,
    Payload,
    PostReviewChangedV1,
)
from servicekit.db import lock_workspace
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import StreamEvent

KEEP = timedelta(days=1)
STREAMED = (
    AlertRaisedV1,
    DistributionSucceededV1,
    DistributionFailedV1,
    DistributionManualWaitingV1,
    InboxItemAssignedV1,
    PostReviewChangedV1,
)


def streamed(payload: Payload) -> bool:
    """Whether operators see the event live: distribution outcomes, review steps,
    assignments, alerts, and what opens an inbox item (a question or a direct message)."""
    if isinstance(payload, InteractionReceivedV1):
        return payload.is_question or payload.kind == "direct_message"
    return isinstance(payload, STREAMED)


# The advisory locks' class (their first key): the workspace's hash is the second.
STREAM_LOCK_CLASS = 0x5E0E


async def remember(session: AsyncSession, event: CloudEvent) -> None:
    """Store the event for the workspace's streams; call it last in the transaction (the
    workspace's other writers wait from here until it commits)."""
    await lock_workspace(session, STREAM_LOCK_CLASS, event.workspaceid)
    envelope: dict[str, Any] = json.loads(event.to_bytes())
    session.add(
        StreamEvent(
            event_id=event.id,
            workspace_id=event.workspaceid,
            type=event.type,
            data=envelope,
            occurred_at=event.time,
        )
    )
    await session.flush()  # its `seq` drawn now, under the lock


async def latest(session: AsyncSession, workspace_id: str) -> int:
    """The newest event's id of the workspace (0 when none): a new stream starts after it."""
    found = await session.scalar(
        select(func.max(StreamEvent.seq)).where(StreamEvent.workspace_id == workspace_id)
    )
    return int(found or 0)


async def after(
    session: AsyncSession, workspace_id: str, seq: int, limit: int = 100
) -> Sequence[StreamEvent]:
    found = await session.scalars(
        select(StreamEvent)
        .where(StreamEvent.workspace_id == workspace_id, StreamEvent.seq > seq)
        .order_by(StreamEvent.seq)
        .limit(limit)
    )
    return found.all()


async def forget_before(session: AsyncSession, moment: datetime) -> None:
    await session.execute(delete(StreamEvent).where(StreamEvent.occurred_at < moment))
