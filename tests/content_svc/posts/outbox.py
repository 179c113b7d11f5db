"""What the posts tests read back: the `post.published` events content-svc wrote."""

from __future__ import annotations

from content_svc.models import OutboxMessage
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select


async def published_events(runtime: ServiceRuntime) -> list[PostPublishedV1]:
    """The `post.published` payloads in the outbox, oldest first."""
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    return [p for p in payloads if isinstance(p, PostPublishedV1)]
