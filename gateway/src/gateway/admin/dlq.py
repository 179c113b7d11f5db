"""`mediaops-admin dlq`: read the dead-letter topics and send their messages back.

`list_dead` reads every message of `<topic>.dlq` with the headers the consumer runner
wrote (servicekit.consumer: error, original topic, consumer group, attempts). `replay`
sends each message of `<topic>.dlq` back to its original topic as it first came (its own
headers, `content-type` among them, without the dead-lettering ones) and commits its position
in the `dlq-replay` group, so a message is replayed once. Consumers skip event ids they
applied, so replaying is safe; fix the cause first, or the message comes straight back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from event_contracts.registry import dlq_topic
from servicekit.consumer import own_headers
from servicekit.kafka import client_options, start_producer
from servicekit.settings import SharedSettings

REPLAY_GROUP = "dlq-replay"
# A topic read to its end answers no more records for this long.
IDLE_MS = 1500


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    offset: int
    event_id: str
    group: str
    attempts: str
    error: str

    def describe(self) -> str:
        return (
            f"{self.topic}@{self.offset} event {self.event_id} group={self.group} "
            f"attempts={self.attempts}\n    {self.error}"
        )


def _headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {key: value.decode(errors="replace") for key, value in record.headers or ()}


async def _drain(consumer: AIOKafkaConsumer) -> list[ConsumerRecord[bytes, bytes]]:
    records: list[ConsumerRecord[bytes, bytes]] = []
    while batch := await consumer.getmany(timeout_ms=IDLE_MS):
        for part in batch.values():
            records.extend(part)
    return records


def _event_id(value: bytes | None) -> str:
    try:
        found = json.loads(value or b"").get("id")
    except (ValueError, AttributeError):
        return "(not a CloudEvent)"
    return str(found) if found else "?"


def _reader(settings: SharedSettings, topics: list[str], group: str | None) -> AIOKafkaConsumer:
    """A consumer of the dead-letter topics of `topics`, from their start; it commits only
    what it is told to."""
    return AIOKafkaConsumer(
        *[dlq_topic(topic) for topic in topics],
        **client_options(settings),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def list_dead(settings: SharedSettings, topics: list[str]) -> list[DeadLetter]:
    """Every message in the dead-letter topics of `topics`; commits nothing."""
    consumer = _reader(settings, topics, group=None)
    await consumer.start()
    try:
        records = await _drain(consumer)
    finally:
        await consumer.stop()
    dead = []
    for record in records:
        headers = _headers(record)
        dead.append(
            DeadLetter(
                topic=record.topic,
                offset=record.offset,
                event_id=_event_id(record.value),
                group=headers.get("consumer-group", "?"),
                attempts=headers.get("attempts", "?"),
                error=headers.get("error", ""),
            )
        )
    return dead


async def replay(settings: SharedSettings, topic: str, *, dry_run: bool) -> int:
    """Send the messages of `<topic>.dlq` not replayed before back to their topic; returns
    how many (with `dry_run`, how many it would, sending and committing nothing)."""
    consumer = _reader(settings, [topic], group=REPLAY_GROUP)
    await consumer.start()
    try:
        records = await _drain(consumer)
        if dry_run:
            return len(records)
        producer = await start_producer(settings)
        try:
            for record in records:
                target = _headers(record).get("original-topic", topic)
                await producer.send_and_wait(
                    target, value=record.value, key=record.key, headers=own_headers(record)
                )
                # Committed one by one: a replay cut short resumes after the last one sent.
                await consumer.commit(
                    {TopicPartition(record.topic, record.partition): record.offset + 1}
                )
        finally:
            await producer.stop()
    finally:
        await consumer.stop()
    return len(records)
