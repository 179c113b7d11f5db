"""The events channel-svc publishes, written to the outbox in the caller's transaction."""

from __future__ import annotations

from event_contracts import (
    ChannelChangedV1,
    CommentsCollectedV1,
    DistributionFailedV1,
    DistributionSucceededV1,
    FiguresCollectedV1,
    InboxAnswerSettledV1,
    LinkClickedV1,
    LinkCreatedV1,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
)
from servicekit.events import Emitter

from channel_svc.models import OutboxMessage

emit = Emitter(
    OutboxMessage,
    source="/channel-svc",
    emits=(
        ChannelChangedV1,
        DistributionSucceededV1,
        DistributionFailedV1,
        LinkCreatedV1,
        LinkClickedV1,
        FiguresCollectedV1,
        CommentsCollectedV1,
        PlatformMessageReceivedV1,
        PlatformFollowerChangedV1,
        InboxAnswerSettledV1,
    ),
)
