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

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from event_contracts import CloudEvent, Payload, topic_of
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.consumer import Handler, PoisonMessage
from servicekit.outbox import OutboxMessageMixin, add_event, add_outbox_rows, outbox_rows

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

    def rows(self, payloads: Iterable[tuple[Payload, str | None]]) -> list[dict[str, Any]]:
        """The outbox rows of an event for each (payload, subject), for `write`."""
        return outbox_rows(self.event(payload, subject=subject) for payload, subject in payloads)

    async def write(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Write the events `rows` made to the outbox, in one statement."""
        await add_outbox_rows(session, self.outbox_model, rows)

    async def many(
        self, session: AsyncSession, payloads: Iterable[tuple[Payload, str | None]]
    ) -> None:
        """One event for each (payload, subject), written to the outbox in one statement:
        what a bulk write emits."""
        await self.write(session, self.rows(payloads))


@dataclass(frozen=True)
class PayloadHandler(Generic[P]):
    """A consumer's handler of one topic: applies the topic's payload, checked."""

    model: type[P]
    apply: Callable[[AsyncSession, P], Awaitable[None]]
    # True when the effect leaves the database (a message sent to a platform): the runner
    # then never applies it in a transaction shared with other events, which could be
    # rolled back after the message went out.
    alone: bool = False
    # Set by `handles_many`: applies a run of the topic's events in one call, as the
    # runner finds them together in a fetch (their effect as if applied one by one).
    apply_many: Callable[[AsyncSession, list[P]], Awaitable[None]] | None = None

    @property
    def topic(self) -> str:
        return topic_of(self.model).name

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        await self.apply(session, payload_of(event, self.model))

    async def apply_events(self, session: AsyncSession, events: list[CloudEvent]) -> None:
        """Events of this topic, in order: in one call when made by `handles_many`."""
        if self.apply_many is None:
            for event in events:
                await self(session, event)
        else:
            await self.apply_many(session, [payload_of(event, self.model) for event in events])


def handles(
    model: type[P], *, alone: bool = False
) -> Callable[[Callable[[AsyncSession, P], Awaitable[None]]], PayloadHandler[P]]:
    """Make `apply(session, payload)` the handler of `model`'s topic (`alone`: see
    `PayloadHandler.alone`)."""

    def wrap(apply: Callable[[AsyncSession, P], Awaitable[None]]) -> PayloadHandler[P]:
        return PayloadHandler(model, apply, alone=alone)

    return wrap


def handles_many(
    model: type[P],
) -> Callable[[Callable[[AsyncSession, list[P]], Awaitable[None]]], PayloadHandler[P]]:
    """Make `apply_many(session, payloads)` the handler of `model`'s topic: a backlog is
    applied a fetch's run at a time (a few queries for many events), a lone event as a
    list of one."""

    def wrap(apply_many: Callable[[AsyncSession, list[P]], Awaitable[None]]) -> PayloadHandler[P]:
        async def apply_one(session: AsyncSession, payload: P) -> None:
            await apply_many(session, [payload])

        return PayloadHandler(model, apply_one, apply_many=apply_many)

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
