"""The transactional outbox: events are rows written with the change, then relayed to Kafka.

`add_event` is called inside the business transaction, so an event exists exactly when its
change does. `OutboxRelay` publishes unsent rows in order with `acks=all` and marks them
sent, each with the `content-type: application/cloudevents+json` header that marks it a
structured-mode CloudEvent (the CloudEvents Kafka binding); it wakes right after a commit
that wrote rows, polls as a fallback, backs off while
the broker is down, and catches up when it is back. On PostgreSQL it locks rows with
`FOR UPDATE SKIP LOCKED`, so several relays (several replicas) can run side by side.

An event larger than `MAX_EVENT_BYTES` is refused by `add_event` (a 413 problem in the
request that made it), never written. A row the broker still refuses for good (larger than
its `message.max.bytes`, a row written before the check) is parked: `failed_at` and
`error` are set, it is counted (`mediaops_outbox_events_parked_total`, the
`mediaops_outbox_failed_events` gauge, `/ready`'s `outbox_failed`) and the rows after it
go on. Anything else (the broker away, a topic missing) fails the round, which is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError
from aiokafka.structs import RecordMetadata
from event_contracts import KAFKA_HEADERS, MAX_EVENT_BYTES, CloudEvent
from event_contracts.registry import message_key
from opentelemetry.trace import SpanKind
from sqlalchemy import Integer, LargeBinary, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.background import STOP_SECONDS, idle_wait, stop_task, within
from servicekit.db import OUTBOX_FLAG, Database, UTCDateTime, insert_rows, utcnow
from servicekit.kafka import ensure_topics, start_producer
from servicekit.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_EVENTS_PARKED,
    OUTBOX_FAILED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_RELAY_FAILURES,
    OUTBOX_WAITING,
)
from servicekit.problems import TooLarge
from servicekit.settings import SharedSettings
from servicekit.tracing import continue_trace, current_traceparent

log = structlog.get_logger(__name__)

# How long after noticing that the broker lost its log the relay sends recent events
# again: a few consumer heartbeats (1 s), so that consumers have started over by then.
REPLAY_DELAY_SECONDS = 5.0

# What the client or the broker says of one message that no retry can send: it is too
# large for them. A broker refusing a batch refuses the messages in it; a batch holds
# several only while they fit the producer's batch_size (16 KiB), far below any broker's
# limit, so a refused batch is the one oversized message.
NEVER_SENDABLE = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError)
ERROR_MAX_CHARS = 2000


class OutboxMessageMixin:
    """A service's `outbox_messages` table (each service declares the class on its own
    declarative base); its name is the one `migration_steps` creates."""

    __tablename__ = "outbox_messages"

    if TYPE_CHECKING:  # the declarative base supplies the keyword constructor

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[bytes] = mapped_column(LargeBinary)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True, default=None)
    # Parked: the broker refused the row for good; the relay no longer tries it. An
    # operator reads the error, then deletes the row or clears both to send it again.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


def event_bytes(event: CloudEvent) -> bytes:
    """The message value of `event`; `TooLarge` (413, naming the payload's largest field)
    when it is over `MAX_EVENT_BYTES`, so that it fails where it is made."""
    value = event.to_bytes()
    if len(value) > MAX_EVENT_BYTES:
        sizes = {
            name: len(json.dumps(item, ensure_ascii=False, default=str).encode())
            for name, item in event.data.items()
        }
        largest = max(sizes, key=sizes.__getitem__) if sizes else "data"
        raise TooLarge.field(
            largest,
            f"makes a {event.type} event of {len(value) // 1024} KiB; events are at most "
            f"{MAX_EVENT_BYTES // 1024} KiB",
            event_bytes=len(value),
            max_event_bytes=MAX_EVENT_BYTES,
        )
    return value


def _outbox_row(event: CloudEvent, traceparent: str | None) -> dict[str, Any]:
    if event.traceparent is None:
        event.traceparent = traceparent
    return {
        "event_id": event.id,
        "topic": event.type,
        "key": message_key(event),
        "value": event_bytes(event),
    }


def add_event(session: AsyncSession, model: type[OutboxMessageMixin], event: CloudEvent) -> None:
    """Write `event` to the outbox as part of the session's transaction.

    The event carries the current trace, so its consumers continue it. An event over
    `MAX_EVENT_BYTES` raises `TooLarge` and nothing is written: the request fails (and
    rolls back its change) instead of leaving the relay a row no broker takes.
    """
    session.add(model(**_outbox_row(event, current_traceparent())))
    session.info[OUTBOX_FLAG] = True


def outbox_rows(events: Iterable[CloudEvent]) -> list[dict[str, Any]]:
    """The outbox rows of `events`, as `add_events` writes them: made apart from the
    writing, so that a bulk write can make them while the database takes its other rows.
    An event over `MAX_EVENT_BYTES` raises `TooLarge`, as in `add_event`."""
    traceparent = current_traceparent()
    now = utcnow()
    return [{**_outbox_row(event, traceparent), "created_at": now} for event in events]


async def add_outbox_rows(
    session: AsyncSession, model: type[OutboxMessageMixin], rows: Sequence[dict[str, Any]]
) -> None:
    """Write rows `outbox_rows` made, in one statement, as part of the session's transaction."""
    if rows:
        await insert_rows(session, model, rows)
        session.info[OUTBOX_FLAG] = True


async def add_events(
    session: AsyncSession, model: type[OutboxMessageMixin], events: Sequence[CloudEvent]
) -> None:
    """`add_event` for many events at once, written now in one statement (a bulk write's
    events, without an object in the session for each)."""
    await add_outbox_rows(session, model, outbox_rows(events))


async def scrub_events(
    session: AsyncSession,
    model: type[OutboxMessageMixin],
    *,
    topic: str,
    keys: Iterable[str],
    fields: Sequence[str],
) -> int:
    """Blank `fields` of the payload of every outbox row of `topic` keyed by one of `keys`,
    sent or not; returns how many rows were changed.

    For erasure: sent rows are kept for days after delivery, and an unsent one still goes
    out, so the fields must be optional in the topic's payload model: the row stays a valid
    event and is delivered without them. Rows are found by message key, the aggregate id
    the topic is keyed by (a member's events by member id).
    """
    wanted = [key.encode("utf-8") for key in keys]
    if not wanted:
        return 0
    rows = await session.scalars(
        select(model).where(model.topic == topic, model.key.in_(wanted)).with_for_update()
    )
    changed = 0
    for row in rows:
        event = CloudEvent.from_bytes(row.value)
        if all(event.data.get(name) is None for name in fields):
            continue
        event.data = {**event.data, **dict.fromkeys(fields)}
        event.payload()  # still a valid payload of the topic, or this raises
        row.value = event.to_bytes()
        changed += 1
    return changed


class _Sent:
    """What one round made of its rows."""

    def __init__(self) -> None:
        self.acknowledged: list[OutboxMessageMixin] = []
        self.refused: list[tuple[OutboxMessageMixin, BaseException]] = []
        # A partition numbered a row no higher than an earlier one: the broker lost its log.
        self.broker_lost_its_log = False


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        model: type[OutboxMessageMixin],
        settings: SharedSettings,
        *,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.db = db
        self.model = model
        self.settings = settings
        self.max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None
        self.published = 0
        self.replayed = 0
        self.parked = 0
        self.broker_ok = False
        # The offset each partition gave this relay's last message: a later message getting
        # one no higher means the broker lost its log (see `_replay_recent`).
        self._last_offsets: dict[tuple[str, int], int] = {}
        db.on_outbox_commit(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
        await self._close_producer()

    async def _close_producer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await within(self._producer.stop(), STOP_SECONDS, what="outbox producer")
            self._producer = None

    async def _connected_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(self.settings)
            self._producer = await start_producer(self.settings)
        return self._producer

    async def _run(self) -> None:
        backoff = 0.1
        base = self.settings.outbox_poll_seconds
        interval = base
        ceiling = max(base, self.settings.idle_poll_max_seconds)
        while True:
            self._wake.clear()
            try:
                sent = await self.publish_pending()
                self.broker_ok = True
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker down, DB busy: back off and try again
                self.broker_ok = False
                OUTBOX_RELAY_FAILURES.inc()
                log.warning("outbox_relay_failed", error=repr(exc), retry_in_s=backoff)
                await self._close_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            if sent >= self.settings.outbox_batch_size:
                interval = base
                continue  # more may be waiting
            # Woken by every commit that writes an outbox row; the poll only catches rows
            # written elsewhere (another process), so it slows down while idle.
            interval = await idle_wait(self._wake, interval, base, ceiling)

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many it took (sent or parked).

        On PostgreSQL the rows stay locked (SKIP LOCKED) while they are sent, so that
        parallel relays never send the same row. SQLite has one relay per file and a
        database-wide write lock, so there the rows are read, sent and marked in separate
        short transactions and a slow broker never blocks the service's writers.
        """
        producer = await self._connected_producer()
        if self.db.is_postgres:
            async with self.db.transaction() as session:
                rows = await self._pending(session, lock=True)
                sent = await self._send(producer, rows)
                await self._settle(session, sent)
        else:
            async with self.db.transaction() as session:
                rows = await self._pending(session, lock=False)
            sent = await self._send(producer, rows)
            async with self.db.transaction() as session:
                await self._settle(session, sent)
        self.published += len(sent.acknowledged)
        self.parked += len(sent.refused)
        if sent.broker_lost_its_log:
            await self._replay_recent(just_sent=[row.id for row in sent.acknowledged])
        return len(rows)

    async def _replay_recent(self, *, just_sent: list[int]) -> None:
        """The broker came back without its log (the embedded broker keeps it in memory):
        events it had acknowledged may never have reached every consumer. Send again what
        went out in the last `outbox_replay_seconds` (but the batch that revealed it, which
        the new log holds); consumers skip what they applied. Not at once: consumers learn
        of the restart at their next heartbeat and start over from the new log's beginning;
        a log that had grown past their old positions before that would be partly skipped."""
        self._last_offsets.clear()
        window = self.settings.outbox_replay_seconds
        if window <= 0:
            return
        since = utcnow() - timedelta(seconds=window)
        await asyncio.sleep(REPLAY_DELAY_SECONDS)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(self.model)
                .where(self.model.sent_at >= since, self.model.id.not_in(just_sent))
                .values(sent_at=None)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        self.replayed += count
        log.warning("outbox_replaying_after_broker_lost_its_log", rows=count, seconds=window)
        self.wake()

    async def _pending(self, session: AsyncSession, *, lock: bool) -> list[OutboxMessageMixin]:
        query = (
            select(self.model)
            .where(self.model.sent_at.is_(None), self.model.failed_at.is_(None))
            .order_by(self.model.id)
            .limit(self.settings.outbox_batch_size)
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        return list((await session.scalars(query)).all())

    async def _send(self, producer: AIOKafkaProducer, rows: list[OutboxMessageMixin]) -> _Sent:
        """Send `rows` and wait for the broker's acknowledgements. A row no retry can send
        is set apart as refused; any other failure raises, and the round is tried again."""
        sent = _Sent()
        waiting: list[tuple[OutboxMessageMixin, asyncio.Future[RecordMetadata]]] = []
        for row in rows:
            with continue_trace(
                f"{row.topic} publish",
                _traceparent_of(row.value),
                kind=SpanKind.PRODUCER,
                **{"messaging.system": "kafka", "messaging.destination.name": row.topic},
            ):
                try:
                    future = await producer.send(
                        row.topic, value=row.value, key=row.key, headers=list(KAFKA_HEADERS)
                    )
                except NEVER_SENDABLE as exc:  # the client's own size check
                    sent.refused.append((row, exc))
                    continue
            waiting.append((row, future))
        answers = await asyncio.gather(*(future for _, future in waiting), return_exceptions=True)
        for (row, _), answer in zip(waiting, answers, strict=True):
            if isinstance(answer, NEVER_SENDABLE):
                sent.refused.append((row, answer))
            elif isinstance(answer, BaseException):
                raise answer
            else:
                EVENTS_PUBLISHED.labels(row.topic).inc()
                sent.acknowledged.append(row)
                partition = (answer.topic, answer.partition)
                previous = self._last_offsets.get(partition)
                if previous is not None and answer.offset <= previous:
                    sent.broker_lost_its_log = True
                self._last_offsets[partition] = answer.offset
        return sent

    async def _settle(self, session: AsyncSession, sent: _Sent) -> None:
        now = utcnow()
        if sent.acknowledged:
            await session.execute(
                update(self.model)
                .where(self.model.id.in_([row.id for row in sent.acknowledged]))
                .values(sent_at=now)
            )
        for row, exc in sent.refused:
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
            await session.execute(
                update(self.model).where(self.model.id == row.id).values(failed_at=now, error=error)
            )
            OUTBOX_EVENTS_PARKED.labels(row.topic).inc()
            log.error(
                "outbox_event_parked",
                outbox_id=row.id,
                event_id=row.event_id,
                topic=row.topic,
                bytes=len(row.value),
                error=error,
            )


def _traceparent_of(value: bytes) -> str | None:
    try:
        found = json.loads(value).get("traceparent")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


async def refresh_outbox_gauges(db: Database, model: type[OutboxMessageMixin]) -> None:
    async with db.transaction() as session:
        waiting, oldest = await outbox_backlog(session, model)
        failed = await outbox_failed(session, model)
    OUTBOX_WAITING.set(waiting)
    OUTBOX_OLDEST_AGE.set((utcnow() - oldest).total_seconds() if oldest else 0)
    OUTBOX_FAILED.set(failed)


async def outbox_backlog(
    session: AsyncSession, model: type[OutboxMessageMixin]
) -> tuple[int, datetime | None]:
    """Rows waiting to be sent (parked ones are not) and the creation time of the oldest."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(model.created_at)).where(
                model.sent_at.is_(None), model.failed_at.is_(None)
            )
        )
    ).one()
    return int(count), oldest


async def outbox_failed(session: AsyncSession, model: type[OutboxMessageMixin]) -> int:
    """Rows the relay parked because the broker refused them for good."""
    count = await session.scalar(
        select(func.count()).select_from(model).where(model.failed_at.is_not(None))
    )
    return int(count or 0)
