"""The consumer runner: apply each event once, commit the offset after the effect.

For every message: parse the CloudEvent; in one transaction, skip it if its id is in the
service's processed-events table, otherwise record the id and apply the handler. Only
after that transaction commits is the Kafka offset committed, so a crash redelivers and
the processed-events table absorbs the redelivery. A handler that keeps failing, or a
message that is not a valid event, goes to `<topic>.dlq` as it came (value, key and
headers, `content-type` among them) with the error in headers of its own.

The messages of one fetch from one partition are applied together: one transaction, one
lookup of their ids, one offset commit. If anything in that transaction fails, it is
rolled back and its messages are applied one by one as above, so a poison message still
goes alone to the dead-letter topic and the rest are applied. A handler whose effect
leaves the database (a message sent to a platform) is marked `alone` and always gets a
transaction of its own: a rolled-back batch must not have sent anything.

An outage is not the event's fault: when the handler fails because the database or the
network is away (`servicekit.outages.is_unavailable`), the message is neither applied nor
dead-lettered. Its partition is paused, read again from that message after a backoff that
doubles up to `UNAVAILABLE_BACKOFF_MAX_SECONDS`, for as long as the outage lasts; the
offset is committed only once the event is applied. Other partitions go on meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from event_contracts import CloudEvent, InvalidEvent
from event_contracts.registry import dlq_topic
from opentelemetry.trace import SpanKind
from sqlalchemy import String, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.background import STOP_SECONDS, stop_task, within
from servicekit.db import Database, UTCDateTime, utcnow
from servicekit.fetch_wait import POLL_FLOOR_MS, FetchWait
from servicekit.kafka import client_options, ensure_topics, start_producer
from servicekit.metrics import (
    CONSUMER_LAG,
    CONSUMER_PAUSED_PARTITIONS,
    EVENT_RETRIES,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
)
from servicekit.outages import is_unavailable
from servicekit.problems import ProblemError
from servicekit.settings import SharedSettings
from servicekit.tracing import continue_trace

log = structlog.get_logger(__name__)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


class ProcessedEventMixin:
    """A service's `processed_events` table (each service declares the class on its own
    declarative base); its name is the one `migration_steps` creates."""

    __tablename__ = "processed_events"

    if TYPE_CHECKING:  # the declarative base supplies the keyword constructor

        def __init__(self, **kwargs: Any) -> None: ...

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    # Indexed for housekeeping, which deletes the old ones.
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


# How long a consumer may wait for a group assignment or a commit before it starts over.
STALL_SECONDS = 30.0
# The longest wait between two tries of an event whose handler found the database (or the
# network) away: a restarted PostgreSQL is noticed within this long of being back.
UNAVAILABLE_BACKOFF_MAX_SECONDS = 5.0


# The headers `_dead_letter` adds to a message; the others are the message's own.
DEAD_LETTER_HEADERS = frozenset(
    {
        "error",
        "original-topic",
        "original-partition",
        "original-offset",
        "consumer-group",
        "attempts",
    }
)


def own_headers(record: ConsumerRecord[bytes, bytes]) -> list[tuple[str, bytes]]:
    """The headers `record` was produced with, without those dead-lettering added: what
    goes with it to a dead-letter topic and back (a replay sends the message it was)."""
    return [(k, v) for k, v in record.headers or () if k not in DEAD_LETTER_HEADERS]


class ConsumerStalled(Exception):
    pass


class PoisonMessage(Exception):
    """The event can never be applied (bad shape, impossible content): dead-letter at once."""


class ConsumerRunner:
    def __init__(
        self,
        db: Database,
        processed_model: type[ProcessedEventMixin],
        *,
        group_id: str,
        handlers: Mapping[str, Handler],
        settings: SharedSettings,
    ) -> None:
        self.db = db
        self.processed_model = processed_model
        self.group_id = group_id
        self.handlers = dict(handlers)
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self.applied = 0
        self.skipped = 0
        self.dead_lettered = 0
        self.connected = False
        self.fetch_wait = FetchWait(
            settings.consumer_fetch_max_wait_ms, settings.consumer_idle_fetch_max_wait_ms
        )

    def start(self) -> None:
        if self.handlers:
            self._task = asyncio.create_task(self._supervise(), name=f"consumer-{self.group_id}")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _supervise(self) -> None:
        """Keep a consumer running; rebuild it after any failure (broker gone, restarted)."""
        backoff = 0.2
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected = False
                log.warning("consumer_restarting", group=self.group_id, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def make_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *self.handlers,
            **client_options(self.settings),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )

    async def _consume(self) -> None:
        await ensure_topics(self.settings)
        consumer = self.make_consumer()
        dlq: AIOKafkaProducer | None = None
        waiting = _Waiting(self.settings.consumer_retry_backoff_seconds)
        self.fetch_wait = FetchWait(
            self.settings.consumer_fetch_max_wait_ms,
            self.settings.consumer_idle_fetch_max_wait_ms,
        )
        try:
            async with asyncio.timeout(STALL_SECONDS):
                await consumer.start()
            dlq = await start_producer(self.settings)
            self.connected = True
            unassigned_since: float | None = None
            while True:
                waiting.resume_due(consumer, self.group_id)
                # Short while a paused partition may fall due, else as long as a fetch.
                poll_ms = POLL_FLOOR_MS if waiting.paused() else self.fetch_wait.poll_ms()
                batches = await consumer.getmany(timeout_ms=poll_ms, max_records=200)
                self.fetch_wait.apply(consumer, got_records=bool(batches))
                # A group join that never completes (seen on the embedded broker after a
                # member was killed) would leave this consumer idle for good: start over.
                if consumer.assignment():
                    unassigned_since = None
                elif unassigned_since is None:
                    unassigned_since = time.monotonic()
                elif time.monotonic() - unassigned_since > STALL_SECONDS:
                    raise ConsumerStalled(f"no partitions assigned for {STALL_SECONDS:g} s")
                done: dict[TopicPartition, int] = {}
                for tp, records in batches.items():
                    handled = await self.handle_fetched(records, dlq_send=dlq.send_and_wait)
                    if handled < len(records):
                        # The next one met an outage, and nothing of it was applied: read it
                        # again, this partition only, once the backoff is over.
                        consumer.seek(tp, records[handled].offset)
                        waiting.pause(consumer, tp, self.group_id)
                    if handled > 0:
                        waiting.succeeded(tp)
                        done[TopicPartition(tp.topic, tp.partition)] = records[handled - 1].offset
                if done:
                    # One commit for the fetch; one the broker forgot would retry forever.
                    async with asyncio.timeout(STALL_SECONDS):
                        await consumer.commit({tp: offset + 1 for tp, offset in done.items()})
                for tp, offset in done.items():
                    end = consumer.highwater(tp)
                    if end is not None:
                        CONSUMER_LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(
                            max(0, end - offset - 1)
                        )
        finally:
            self.connected = False
            waiting.forget(self.group_id)
            # Bounded: a broker that stopped answering must not hold a shutdown forever.
            with contextlib.suppress(Exception):
                await within(consumer.stop(), STOP_SECONDS, what="consumer")
            if dlq is not None:
                with contextlib.suppress(Exception):
                    await within(dlq.stop(), STOP_SECONDS, what="dead-letter producer")

    async def handle_fetched(
        self,
        records: list[ConsumerRecord[bytes, bytes]],
        *,
        dlq_send: Callable[..., Awaitable[object]],
    ) -> int:
        """Apply, skip or dead-letter the messages of one partition's fetch, in order: how
        many are done (fewer than all when the next one met an outage)."""
        handled = 0
        while handled < len(records):
            run = self._appliable_together(records[handled:])
            if len(run) > 1 and await self._apply_together(run):
                handled += len(run)
                continue
            for record in [record for record, _ in run] or records[handled : handled + 1]:
                if not await self.handle(record, dlq_send=dlq_send):
                    return handled
                handled += 1
        return handled

    def _appliable_together(
        self, records: list[ConsumerRecord[bytes, bytes]]
    ) -> list[tuple[ConsumerRecord[bytes, bytes], CloudEvent]]:
        """The leading run of `records` that may share a transaction: valid events whose
        handlers keep their effects in the database. Empty when the first may not."""
        run: list[tuple[ConsumerRecord[bytes, bytes], CloudEvent]] = []
        for record in records:
            try:
                event = CloudEvent.from_bytes(record.value or b"")
            except InvalidEvent:
                break
            if event.type != record.topic or _applies_alone(self.handlers[record.topic]):
                break
            run.append((record, event))
        return run

    async def _apply_together(
        self, run: list[tuple[ConsumerRecord[bytes, bytes], CloudEvent]]
    ) -> bool:
        """Apply the run in one transaction; False (nothing applied) if any of it failed,
        and then the caller applies them one by one."""
        applied: list[bool] = []
        try:
            async with self.db.transaction() as session:
                # A handler's query sees what the handlers before it wrote, as if each had
                # committed; rows nobody queries are written together at the end.
                session.sync_session.autoflush = True
                model = self.processed_model
                ids = [event.id for _, event in run]
                seen = set(
                    await session.scalars(select(model.event_id).where(model.event_id.in_(ids)))
                )
                new: dict[str, str] = {}
                for _, event in run:
                    if event.id not in seen and event.id not in new:
                        new[event.id] = event.type
                if new:  # one statement for the batch's ids
                    await session.execute(
                        insert(model), [{"event_id": i, "topic": t} for i, t in new.items()]
                    )
                fresh: list[tuple[ConsumerRecord[bytes, bytes], CloudEvent]] = []
                for record, event in run:
                    # Not new: applied before, or earlier in the run.
                    applied.append(new.pop(event.id, None) is not None)
                    if applied[-1]:
                        fresh.append((record, event))
                for topic, events in _runs_by_topic(fresh):
                    await self._apply_run(session, topic, events)
        except Exception as exc:
            log.info("batch_applied_one_by_one", size=len(run), error=repr(exc))
            return False
        for (record, _), was_applied in zip(run, applied, strict=True):
            self._count(record.topic, applied=was_applied)
        return True

    async def _apply_run(self, session: AsyncSession, topic: str, events: list[CloudEvent]) -> None:
        """Events of one topic, in order: in one call when the handler takes many
        (`handles_many`), otherwise each in its own span and log context."""
        handler = self.handlers[topic]
        together = getattr(handler, "apply_many", None) is not None
        if together:
            await handler.apply_events(session, events)  # type: ignore[attr-defined]
        for event in events:
            with _event_context(event, topic, self.group_id):
                if not together:
                    await handler(session, event)
                log.debug("event_applied")

    def _count(self, topic: str, *, applied: bool) -> None:
        if applied:
            self.applied += 1
        else:
            self.skipped += 1
        EVENTS_CONSUMED.labels(topic, self.group_id, "applied" if applied else "duplicate").inc()

    async def handle(
        self,
        record: ConsumerRecord[bytes, bytes],
        *,
        dlq_send: Callable[..., Awaitable[object]],
    ) -> bool:
        """Apply, skip or dead-letter one message. False when the handler found what it
        needs unavailable (the database, the network): nothing was applied, nothing
        dead-lettered, and the message must be handled again later."""
        raw = record.value or b""
        try:
            event = CloudEvent.from_bytes(raw)
            if event.type != record.topic:
                raise InvalidEvent(f"event type {event.type!r} on topic {record.topic!r}")
        except InvalidEvent as exc:
            await self._dead_letter(record, exc, attempts=0, dlq_send=dlq_send)
            return True
        handler = self.handlers[record.topic]
        attempts = 0
        with _event_context(event, record.topic, self.group_id):
            while True:
                attempts += 1
                try:
                    applied = await self.apply(event, handler)
                except Exception as exc:
                    # Checked first: a 503 from a service called is a ProblemError too.
                    if is_unavailable(exc) or (
                        isinstance(exc, ProblemError) and exc.status in (503, 504)
                    ):
                        log.warning("event_waits_for_outage", attempt=attempts, error=repr(exc))
                        EVENT_RETRIES.labels(record.topic, self.group_id).inc()
                        return False
                    if isinstance(exc, (InvalidEvent, PoisonMessage, ProblemError)):
                        await self._dead_letter(record, exc, attempts=attempts, dlq_send=dlq_send)
                        return True
                    if attempts >= self.settings.consumer_max_attempts:
                        await self._dead_letter(record, exc, attempts=attempts, dlq_send=dlq_send)
                        return True
                    log.warning("event_retry", attempt=attempts, error=repr(exc))
                    EVENT_RETRIES.labels(record.topic, self.group_id).inc()
                    await asyncio.sleep(
                        self.settings.consumer_retry_backoff_seconds * 2 ** (attempts - 1)
                    )
                    continue
                self._count(record.topic, applied=applied)
                log.debug("event_applied" if applied else "event_skipped")
                return True

    async def apply(self, event: CloudEvent, handler: Handler) -> bool:
        """Apply `event` once; False when it had already been applied."""
        async with self.db.transaction() as session:
            seen = await session.scalar(
                select(self.processed_model.event_id).where(
                    self.processed_model.event_id == event.id
                )
            )
            if seen is not None:
                return False
            session.add(self.processed_model(event_id=event.id, topic=event.type))
            await handler(session, event)
        return True

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        exc: Exception,
        *,
        attempts: int,
        dlq_send: Callable[..., Awaitable[object]],
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.error("event_dead_lettered", topic=record.topic, offset=record.offset, error=error)
        headers = [
            *own_headers(record),
            ("error", error.encode()),
            ("original-topic", record.topic.encode()),
            ("original-partition", str(record.partition).encode()),
            ("original-offset", str(record.offset).encode()),
            ("consumer-group", self.group_id.encode()),
            ("attempts", str(attempts).encode()),
        ]
        await dlq_send(dlq_topic(record.topic), value=record.value, key=record.key, headers=headers)
        self.dead_lettered += 1
        EVENTS_DEAD_LETTERED.labels(record.topic, self.group_id).inc()
        EVENTS_CONSUMED.labels(record.topic, self.group_id, "dead_lettered").inc()


def _runs_by_topic(
    run: list[tuple[ConsumerRecord[bytes, bytes], CloudEvent]],
) -> Iterator[tuple[str, list[CloudEvent]]]:
    """The run cut where the topic changes, in order."""
    for topic, group in itertools.groupby(run, key=lambda pair: pair[0].topic):
        yield topic, [event for _, event in group]


def _applies_alone(handler: Handler) -> bool:
    """Whether the handler asked for a transaction of its own (`handles(..., alone=True)`)."""
    return bool(getattr(handler, "alone", False))


@contextlib.contextmanager
def _event_context(event: CloudEvent, topic: str, group_id: str) -> Iterator[None]:
    """The event's span, continuing its producer's trace, and its ids on every log line."""
    with (
        continue_trace(
            f"{topic} process",
            event.traceparent,
            kind=SpanKind.CONSUMER,
            **{
                "messaging.system": "kafka",
                "messaging.destination.name": topic,
                "messaging.consumer.group.name": group_id,
                "messaging.message.id": event.id,
            },
        ),
        structlog.contextvars.bound_contextvars(event_id=event.id, topic=event.type),
    ):
        yield


class _Waiting:
    """Partitions paused because their next event met an outage, and when each is read
    again: the backoff doubles with each outage in a row, up to the maximum."""

    def __init__(self, base_seconds: float) -> None:
        self.base_seconds = max(base_seconds, 0.01)
        self._streak: dict[TopicPartition, int] = {}
        self._until: dict[TopicPartition, float] = {}

    def pause(self, consumer: AIOKafkaConsumer, tp: TopicPartition, group: str) -> None:
        streak = self._streak.get(tp, 0)
        self._streak[tp] = streak + 1
        delay = min(self.base_seconds * 2**streak, UNAVAILABLE_BACKOFF_MAX_SECONDS)
        self._until[tp] = time.monotonic() + delay
        consumer.pause(tp)
        CONSUMER_PAUSED_PARTITIONS.labels(group).set(len(self._until))

    def paused(self) -> bool:
        return bool(self._until)

    def succeeded(self, tp: TopicPartition) -> None:
        self._streak.pop(tp, None)

    def resume_due(self, consumer: AIOKafkaConsumer, group: str) -> None:
        if not self._until:
            return
        now = time.monotonic()
        assigned = consumer.assignment()
        for tp, until in list(self._until.items()):
            if tp not in assigned:
                # Revoked meanwhile: its new owner starts from the committed offset.
                del self._until[tp]
                self._streak.pop(tp, None)
            elif until <= now:
                del self._until[tp]
                consumer.resume(tp)
        CONSUMER_PAUSED_PARTITIONS.labels(group).set(len(self._until))

    def forget(self, group: str) -> None:
        self._until.clear()
        self._streak.clear()
        CONSUMER_PAUSED_PARTITIONS.labels(group).set(0)
