"""Read and replay dead-lettered events.

    python scripts/dlq.py list   [--topic post.published] [--bootstrap host:port]
    python scripts/dlq.py replay  --topic post.published  [--bootstrap host:port] [--dry-run]

`list` prints every message in `<topic>.dlq` (or all DLQs) with the error, the consumer
group and the attempts. `replay` sends each message of `<topic>.dlq` back to its original
topic and commits its position in the `dlq-replay` group, so a message is replayed once.
Consumers are idempotent (they skip event ids they applied), so replaying is safe; fix the
cause first, or the message comes straight back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from event_contracts.registry import TOPICS, dlq_topic


def _headers(record: object) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in getattr(record, "headers", ()) or ()}


async def _drain(consumer: AIOKafkaConsumer, idle_ms: int = 1500) -> list[object]:
    records: list[object] = []
    while True:
        batch = await consumer.getmany(timeout_ms=idle_ms)
        if not batch:
            return records
        for part in batch.values():
            records.extend(part)


async def list_dead(bootstrap: str, topics: list[str]) -> int:
    consumer = AIOKafkaConsumer(
        *[dlq_topic(t) for t in topics],
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        records = await _drain(consumer)
    finally:
        await consumer.stop()
    for record in records:
        headers = _headers(record)
        value = getattr(record, "value", b"") or b""
        try:
            event_id = json.loads(value).get("id", "?")
        except ValueError:
            event_id = "(not JSON)"
        print(  # noqa: T201
            f"{getattr(record, 'topic', '')}@{getattr(record, 'offset', '')} event {event_id} "
            f"group={headers.get('consumer-group', '?')} attempts={headers.get('attempts', '?')}"
            f"\n    {headers.get('error', '')}"
        )
    print(f"{len(records)} dead-lettered message(s)")  # noqa: T201
    return 0


async def replay(bootstrap: str, topic: str, dry_run: bool) -> int:
    consumer = AIOKafkaConsumer(
        dlq_topic(topic),
        bootstrap_servers=bootstrap,
        group_id="dlq-replay",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        for record in await _drain(consumer):
            headers = _headers(record)
            target = headers.get("original-topic", topic)
            if not dry_run:
                await producer.send_and_wait(
                    target, value=getattr(record, "value", None), key=getattr(record, "key", None)
                )
                tp = TopicPartition(getattr(record, "topic", ""), getattr(record, "partition", 0))
                await consumer.commit({tp: getattr(record, "offset", 0) + 1})
            replayed += 1
    finally:
        await producer.stop()
        await consumer.stop()
    verb = "would replay" if dry_run else "replayed"
    print(f"{verb} {replayed} message(s) from {dlq_topic(topic)} to {topic}")  # noqa: T201
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["list", "replay"])
    names = [t.name for t in TOPICS]
    parser.add_argument(
        "--topic", choices=names, help="the original topic (default: all, for list)"
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("MEDIAOPS_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    )
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.command == "list":
        return asyncio.run(list_dead(args.bootstrap, [args.topic] if args.topic else names))
    if not args.topic:
        parser.error("replay needs --topic")
    return asyncio.run(replay(args.bootstrap, args.topic, args.dry_run))


if __name__ == "__main__":
    sys.exit(main())
