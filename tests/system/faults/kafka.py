"""Reading topics from the earliest offset and producing raw messages, with plain aiokafka."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from event_contracts.registry import PARTITIONS, get_topic


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]


def _partitions(topic: str) -> int:
    base = topic.removesuffix(".dlq")
    try:
        return get_topic(base).partitions
    except KeyError:
        return PARTITIONS


async def read_topic(bootstrap: str, topic: str, timeout: float = 15.0) -> list[Record]:
    """Every message of `topic` now, from the earliest offset of each partition."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(_partitions(topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[Record] = []
        async with asyncio.timeout(timeout):
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                batches = await consumer.getmany(timeout_ms=200)
                for tp, records in batches.items():
                    for r in records:
                        if r.offset >= ends[tp]:
                            continue
                        found.append(
                            Record(
                                topic=tp.topic,
                                partition=tp.partition,
                                offset=r.offset,
                                key=r.key,
                                value=r.value,
                                headers={k: v.decode("utf-8", "replace") for k, v in r.headers},
                            )
                        )
        return found
    finally:
        await consumer.stop()


async def produce(bootstrap: str, messages: list[tuple[str, bytes | None, bytes]]) -> None:
    """Send (topic, key, value) messages straight to the broker, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()
    try:
        for topic, key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()
