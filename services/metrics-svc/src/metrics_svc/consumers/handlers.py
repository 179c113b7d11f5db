"""Subscribed topics: each keeps a local copy up to date (idempotency is the runner's table)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from event_contracts import (
    CampaignChangedV1,
    ChannelChangedV1,
    CloudEvent,
    DistributionSucceededV1,
    InteractionReceivedV1,
    LinkClickedV1,
    LinkCreatedV1,
    Payload,
    PostPublishedV1,
)
from servicekit.consumer import Handler, PoisonMessage
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.catalog import campaigns, service

P = TypeVar("P", bound=Payload)


def _payload(event: CloudEvent, model: type[P]) -> P:
    payload = event.payload()  # InvalidEvent (dead-lettered) when the payload is not valid
    if not isinstance(payload, model):
        raise PoisonMessage(f"{event.type} does not carry {model.__name__}")
    workspace_id = getattr(payload, "workspace_id", None)
    if workspace_id != event.workspaceid:
        raise PoisonMessage(
            f"payload workspace {workspace_id} differs from the event's {event.workspaceid}"
        )
    return payload


def _handler(model: type[P], apply: Callable[[AsyncSession, P], Awaitable[None]]) -> Handler:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        await apply(session, _payload(event, model))

    return handle


HANDLERS: dict[str, Handler] = {
    "post.published": _handler(PostPublishedV1, service.record_post),
    "distribution.succeeded": _handler(DistributionSucceededV1, service.record_distribution),
    "interaction.received": _handler(InteractionReceivedV1, service.count_interaction),
    "channel.changed": _handler(ChannelChangedV1, service.record_channel),
    "campaign.changed": _handler(CampaignChangedV1, campaigns.record_campaign),
    "link.created": _handler(LinkCreatedV1, campaigns.record_link),
    "link.clicked": _handler(LinkClickedV1, campaigns.count_click),
}
