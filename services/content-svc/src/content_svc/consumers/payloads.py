from __future__ import annotations

from typing import TypeVar

from event_contracts import CloudEvent, InvalidEvent
from pydantic import BaseModel

P = TypeVar("P", bound=BaseModel)


def payload_of(event: CloudEvent, model: type[P]) -> P:
    """The event's payload as `model`; InvalidEvent (dead-lettered at once) otherwise."""
    payload = event.payload()
    if not isinstance(payload, model):
        raise InvalidEvent(f"{event.type} does not carry {model.__name__}")
    workspace_id = getattr(payload, "workspace_id", event.workspaceid)
    if workspace_id != event.workspaceid:
        raise InvalidEvent(
            f"payload of workspace {workspace_id} in an event of {event.workspaceid}"
        )
    return payload
