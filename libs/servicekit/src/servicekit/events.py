"""Emitting and handling events, the one way every service does both.

A service states once, in its `events.py`, what it publishes and as whom:

    emit = Emitter(OutboxMessage, source="/content-svc", emits=(PostPublishedV1, ...))
    emit(session, PostPublishedV1(...))           # topic, key and workspace from the registry

and handles a topic with a function of the payload, not of the envelope:

    @handles(DistributionSucceededV1)
    async def record_success(session: AsyncSession, done: DistributionSucceededV1) -> None: ...

    HANDLERS = handler_map(record_success, ...)   # {topic name: handler} for the runner

The topic always comes from the registry (by payload model), so a topic name is never
written by hand where an event is sent or handled, and what a service declares it emits and
handles can be held against the registry's producers and consumers in a test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from event_contracts import CloudEvent, Payload, topic_of
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.consumer import Handler, PoisonMessage
from servicekit.outbox import OutboxMessageMixin, add_event

P = TypeVar("P", bound=Payload)


class Emitter:
    """Writes a service's events to its outbox, in the caller's transaction."""

    def __init__(
        self,
        outbox_model: type[OutboxMessageMixin],
        *,
        source: str,
        emits: Iterable[type[Payload]],
    ) -> None:
        self.outbox_model = outbox_model
        self.source = source
        self.payloads = frozenset(emits)
        self.topics = frozenset(topic_of(model).name for model in self.payloads)

    def event(self, payload: Payload, *, subject: str | None = None) -> CloudEvent:
        """The envelope `payload` goes out in (its subject defaults to its key field)."""
        if type(payload) not in self.payloads:
            # What a service emits is declared where it can be checked against the registry.
            raise TypeError(f"{self.source} does not declare that it emits {type(payload)}")
        topic = topic_of(type(payload))
        workspace_id = str(getattr(payload, "workspace_id"))  # noqa: B009 - every payload has one
        return CloudEvent.create(
            topic.name,
            self.source,
            subject or str(getattr(payload, topic.key)),
            workspace_id,
            payload,
        )

    def __call__(
        self, session: AsyncSession, payload: Payload, *, subject: str | None = None
    ) -> CloudEvent:
        event = self.event(payload, subject=subject)
        add_event(session, self.outbox_model, event)
        return event


@dataclass(frozen=True)
class PayloadHandler(Generic[P]):
    """A consumer's handler of one topic: applies the topic's payload, checked."""

    model: type[P]
    apply: Callable[[AsyncSession, P], Awaitable[None]]
    # True when the effect leaves the database (a message sent to a platform): the runner
    # then never applies it in a transaction shared with other events, which could be
    # rolled back after the message went out.
    alone: bool = False

    @property
    def topic(self) -> str:
        return topic_of(self.model).name

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        await self.apply(session, payload_of(event, self.model))


def handles(
    model: type[P], *, alone: bool = False
) -> Callable[[Callable[[AsyncSession, P], Awaitable[None]]], PayloadHandler[P]]:
    """Make `apply(session, payload)` the handler of `model`'s topic (`alone`: see
    `PayloadHandler.alone`)."""

    def wrap(apply: Callable[[AsyncSession, P], Awaitable[None]]) -> PayloadHandler[P]:
        return PayloadHandler(model, apply, alone=alone)

    return wrap


def handler_map(*handlers: PayloadHandler[Any]) -> dict[str, Handler]:
    """The runner's {topic: handler}; two handlers of one topic are a mistake."""
    found: dict[str, Handler] = {}
    for handler in handlers:
        if handler.topic in found:
            raise ValueError(f"two handlers of {handler.topic}")
        found[handler.topic] = handler
    return found


def payload_of(event: CloudEvent, model: type[P]) -> P:
    """The event's payload as `model`, of the event's own workspace; PoisonMessage (dead-
    lettered at once) otherwise. An invalid payload raises InvalidEvent, also poison."""
    payload = event.payload()
    if not isinstance(payload, model):
        raise PoisonMessage(f"{event.type} does not carry {model.__name__}")
    workspace_id = getattr(payload, "workspace_id", event.workspaceid)
    if workspace_id != event.workspaceid:
        raise PoisonMessage(
            f"payload of workspace {workspace_id} in an event of workspace {event.workspaceid}"
        )
    return payload
