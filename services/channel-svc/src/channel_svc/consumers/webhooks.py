"""Every topic channel-svc consumes is offered to the workspace's webhook subscriptions:
the topics it acts on, after its handler, and the others (`interaction.received`,
`stats.ingested`...) for the subscriptions alone. Its own topics are offered as they are
emitted (`channel_svc.events`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from event_contracts import TOPICS, CloudEvent, Payload
from servicekit.consumer import Handler
from servicekit.db import call_after_commit
from servicekit.events import payload_of
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.webhook_subscriptions.offers import offer

SERVICE = "channel-svc"


@dataclass(frozen=True)
class Offering:
    """A topic's handler (channel-svc's own, or none) that also offers each event to the
    webhook subscriptions, and wakes their worker after the commit. Without a handler of
    its own, the payload is still checked: an event that is not what its topic carries is
    dead-lettered, never sent on."""

    model: type[Payload]
    wake: Callable[[], None]
    handler: Handler | None = None

    @property
    def alone(self) -> bool:
        return bool(getattr(self.handler, "alone", False))

    @property
    def apply_many(self) -> Any:
        return getattr(self.handler, "apply_many", None)

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        if self.handler is not None:
            await self.handler(session, event)
        else:
            payload_of(event, self.model)  # PoisonMessage or InvalidEvent when it is not
        self._offer(session, [event])

    async def apply_events(self, session: AsyncSession, events: list[CloudEvent]) -> None:
        """A run of one topic's events in one call (when the handler takes many)."""
        await self.handler.apply_events(session, events)  # type: ignore[union-attr]
        self._offer(session, events)

    def _offer(self, session: AsyncSession, events: list[CloudEvent]) -> None:
        for event in events:
            offer(session, event)
        call_after_commit(session, self.wake)


def offering(handlers: Mapping[str, Handler], wake: Callable[[], None]) -> dict[str, Handler]:
    """A handler for every topic others produce: `handlers`' own, each offering its events."""
    return {
        # Every registered payload model is a Payload (event_contracts.payloads).
        topic.name: Offering(
            cast(type[Payload], topic.payload_model), wake, handlers.get(topic.name)
        )
        for topic in TOPICS
        if SERVICE not in topic.producers
    }
