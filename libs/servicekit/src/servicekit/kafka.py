"""Kafka clients configured the one way every service uses them."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from event_contracts.registry import TOPICS, dlq_topic

from servicekit.settings import SharedSettings

log = structlog.get_logger(__name__)


def make_producer(settings: SharedSettings) -> AIOKafkaProducer:
    # acks=all so that an event counts as sent only once the broker has it durably;
    # idempotence is a setting because the embedded broker cannot do it.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=100,
    )


async def ensure_topics(bootstrap: str, timeout_s: float = 10.0) -> None:
    """Create every registry topic and its dead-letter topic with the registry's partitions.

    The embedded broker forgets topics when it restarts; a topic auto-created by a
    producer could get another partition count, so clients create them first.
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=name, num_partitions=topic.partitions, replication_factor=1)
            for topic in TOPICS
            for name in (topic.name, dlq_topic(topic.name))
            if name not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            log.info("topics_created", topics=[t.name for t in wanted])
    finally:
        await admin.close()
