"""The embedded broker: start, topics from the registry, produce/consume, restart."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from devstack import Broker, BrokerError, create_topics, free_port, port_is_free, topic_partitions
from event_contracts.registry import TOPICS, dlq_topic


@pytest.fixture(scope="module")
async def broker() -> AsyncIterator[Broker]:
    instance = Broker(port=free_port())
    await instance.astart()
    try:
        yield instance
    finally:
        await instance.astop()


def expected_topics() -> dict[str, int]:
    expected = {topic.name: topic.partitions for topic in TOPICS}
    expected.update({dlq_topic(topic.name): topic.partitions for topic in TOPICS})
    return expected


async def test_registry_topics_exist_with_their_partition_counts(broker: Broker) -> None:
    assert broker.running
    assert broker.bootstrap == f"127.0.0.1:{broker.port}"
    actual = await topic_partitions(broker.bootstrap)
    expected = expected_topics()
    assert len(expected) == 2 * len(TOPICS) > 0
    assert {name: actual.get(name) for name in expected} == expected


async def test_create_topics_is_idempotent(broker: Broker) -> None:
    await create_topics(broker.bootstrap)
    await broker.acreate_topics()
    actual = await topic_partitions(broker.bootstrap)
    assert {name: actual.get(name) for name in expected_topics()} == expected_topics()


async def test_produced_message_is_consumed_by_a_group_with_manual_commit(broker: Broker) -> None:
    topic = TOPICS[0].name
    value = uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, value, key=b"aggregate-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        group_id=f"devstack-test-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(_first_with_value(consumer, value), timeout=15)
        assert record.key == b"aggregate-1"
        assert (record.partition, record.offset) == (metadata.partition, metadata.offset)
        await consumer.commit()
        partition = TopicPartition(topic, record.partition)
        assert await consumer.committed(partition) == record.offset + 1
    finally:
        await consumer.stop()


async def _first_with_value(consumer: AIOKafkaConsumer, value: bytes) -> Any:
    while True:
        record = await consumer.getone()
        if record.value == value:
            return record


async def test_restart_comes_back_empty_with_the_registry_topics(broker: Broker) -> None:
    await create_topics(broker.bootstrap, [("devstack.scratch", 1)])
    assert "devstack.scratch" in await topic_partitions(broker.bootstrap)
    old_pid = broker.pid
    await broker.arestart()
    assert broker.running
    assert broker.pid != old_pid
    actual = await topic_partitions(broker.bootstrap)
    assert "devstack.scratch" not in actual
    assert {name: actual.get(name) for name in expected_topics()} == expected_topics()


async def test_stop_ends_the_process_and_frees_the_port() -> None:
    instance = Broker(port=free_port())
    await instance.astart()
    assert not port_is_free(instance.host, instance.port)
    await instance.astop()
    await instance.astop()  # idempotent
    assert not instance.running
    assert instance.returncode is not None
    assert port_is_free(instance.host, instance.port)


async def test_start_on_a_taken_port_fails_with_the_output_tail() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        instance = Broker(port=port, ready_timeout=5)
        with pytest.raises(BrokerError, match=f"127.0.0.1:{port}"):
            await instance.astart()
        assert not instance.running
