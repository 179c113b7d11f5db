"""The events channel-svc publishes, written to the outbox in the caller's transaction, and
offered to the workspace's webhook subscriptions in the same transaction."""

from __future__ import annotations

from event_contracts import (
    ChannelChangedV1,
    CloudEvent,
    CommentsCollectedV1,
    DistributionFailedV1,
    DistributionManualWaitingV1,
    DistributionSucceededV1,
    FiguresCollectedV1,
    InboxAnswerSettledV1,
    LinkClickedV1,
    LinkCreatedV1,
    Payload,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
    WebhookSubscriptionDisabledV1,
)
from servicekit.events import Emitter
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import OutboxMessage
from channel_svc.webhook_subscriptions.offers import offer


class OfferingEmitter(Emitter):
    """Writes each event to the outbox and offers it to the workspace's webhook
    subscriptions (channel-svc's own topics reach them this way, the others as consumed)."""

    def __call__(
        self, session: AsyncSession, payload: Payload, *, subject: str | None = None
    ) -> CloudEvent:
        event = super().__call__(session, payload, subject=subject)
        offer(session, event)
        return event


emit = OfferingEmitter(
    OutboxMessage,
    source="/channel-svc",
    emits=(
        ChannelChangedV1,
        DistributionSucceededV1,
        DistributionFailedV1,
        DistributionManualWaitingV1,
        LinkCreatedV1,
        LinkClickedV1,
        FiguresCollectedV1,
        CommentsCollectedV1,
        PlatformMessageReceivedV1,
        PlatformFollowerChangedV1,
        InboxAnswerSettledV1,
        WebhookSubscriptionDisabledV1,
    ),
)
