"""The events user-svc publishes, written to the outbox in the caller's transaction."""

from __future__ import annotations

from event_contracts import CloudEvent, Payload
from servicekit.outbox import add_event
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.models import OutboxMessage

SOURCE = "/user-svc"


def emit(
    session: AsyncSession, topic: str, *, subject: str, workspace_id: str, payload: Payload
) -> None:
    event = CloudEvent.create(topic, SOURCE, subject, workspace_id, payload)
    add_event(session, OutboxMessage, event)
