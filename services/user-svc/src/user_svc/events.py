"""The events user-svc publishes, written to the outbox in the caller's transaction."""

from __future__ import annotations

from event_contracts import (
    InboxAnswerRequestedV1,
    InboxItemAssignedV1,
    InteractionReceivedV1,
    MemberErasedV1,
    SegmentTagRequestedV1,
)
from servicekit.events import Emitter

from user_svc.models import OutboxMessage

emit = Emitter(
    OutboxMessage,
    source="/user-svc",
    emits=(
        InteractionReceivedV1,
        MemberErasedV1,
        InboxAnswerRequestedV1,
        SegmentTagRequestedV1,
        InboxItemAssignedV1,
    ),
)
