"""Our events as the official CloudEvents SDK sees them, through the real broker.

Another team's consumer reads what the outbox relay sends with `cloudevents`
(`cloudevents.core.bindings.kafka`), and their producer's events, made with the same SDK
and carrying the spec's optional and extension attributes, are applied by our consumer
runner instead of being dead-lettered.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from devstack.broker import Broker
from event_contracts import STRUCTURED_CONTENT_TYPE, CloudEvent
from servicekit.db import Database
from servicekit.outbox import OutboxRelay, add_event
from sqlalchemy import select

from tests.servicekit.kit_models import Effect, OutboxMessage
from tests.servicekit.test_outbox_and_consumer import (
    TOPIC,
    dead_letters_until_applied,
    kit_settings,
    post_event,
    read_topic,
)

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
DATASCHEMA = "https://mediaops.example.com/events/post.published.v1.schema.json"


def as_kafka_message(record: Any) -> ce_kafka.KafkaMessage:
    """An aiokafka record as the SDK's Kafka binding takes it."""
    return ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)


async def test_the_official_sdk_reads_what_the_relay_sends(
    db: Database, own_broker: Broker
) -> None:
    plain = post_event("标准事件").model_copy(update={"traceparent": TRACEPARENT})
    # An event that came with extensions (say, from a replay tool) keeps them on the way out.
    extended = CloudEvent.model_validate(
        {
            **post_event("带扩展属性").model_dump(),
            "dataschema": DATASCHEMA,
            "comexampleorigin": "import",
            "sequence": 7,
        }
    )
    async with db.transaction() as session:
        add_event(session, OutboxMessage, plain)
        add_event(session, OutboxMessage, extended)
    relay = OutboxRelay(db, OutboxMessage, kit_settings(own_broker))
    relay.start()
    try:
        records = await read_topic(own_broker.bootstrap, TOPIC, expected=2)
    finally:
        await relay.stop()

    assert len(records) == 2
    sent = {event.id: event for event in (plain, extended)}
    read: dict[str, Any] = {}
    for record in records:
        # Structured content mode, as the Kafka protocol binding names it.
        assert dict(record.headers)["content-type"] == JSONFormat.CONTENT_TYPE.encode()
        message = as_kafka_message(record)
        structured = ce_kafka.from_structured(message, JSONFormat(), SdkEvent)
        detected = ce_kafka.from_kafka_event(message)  # the SDK's own choice of mode
        assert detected.get_attributes() == structured.get_attributes()
        ours = sent[structured.get_id()]
        assert structured.get_specversion() == "1.0"
        assert structured.get_type() == TOPIC  # the topic name, as before
        assert structured.get_source() == "/test"
        assert structured.get_subject() == ours.subject
        assert structured.get_time() == ours.time
        assert structured.get_datacontenttype() == "application/json"
        assert structured.get_extension("workspaceid") == ours.workspaceid
        assert structured.get_extension("partitionkey") == ours.data["post_id"]  # the key
        assert structured.get_data() == ours.data
        read[ours.id] = structured
    assert read[plain.id].get_extension("traceparent") == TRACEPARENT
    assert read[extended.id].get_dataschema() == DATASCHEMA
    assert read[extended.id].get_extension("comexampleorigin") == "import"
    assert read[extended.id].get_extension("sequence") == 7


def sdk_message(data: dict[str, Any], **attributes: Any) -> ce_kafka.KafkaMessage:
    """A post.published event another team's producer made with the SDK."""
    event = SdkEvent(
        {
            "type": TOPIC,
            "source": "/shop-backend",
            "id": str(uuid.uuid4()),
            "subject": data.get("post_id", "?"),
            "dataschema": DATASCHEMA,
            "datacontenttype": "application/json",
            "workspaceid": data.get("workspace_id", "?"),
            "comexampletenant": "shop",
            "retries": 0,
            "partitionkey": "k",
            **attributes,
        },
        data,
    )
    return ce_kafka.to_structured_event(event)


async def test_an_event_the_sdk_made_is_applied_and_poison_still_dead_lettered(
    db: Database, own_broker: Broker
) -> None:
    good = sdk_message(post_event("外部团队的事件").data)
    # A payload of another version: the fields of this topic's v1 are missing.
    other_version = sdk_message(
        {"post_id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()), "schema": 2}
    )
    # What the spec forbids (the SDK refuses to make it, so it is written by hand).
    made = sdk_message(post_event("坏扩展").data)
    not_an_extension = ce_kafka.KafkaMessage(
        headers=made.headers, key=made.key, value=made.value[:-1] + b',"Bad-Name":"x"}'
    )
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
    await producer.start()
    try:
        for message in (other_version, not_an_extension, good):
            assert message.headers == {"content-type": STRUCTURED_CONTENT_TYPE.encode()}
            key = message.key.encode() if isinstance(message.key, str) else message.key
            await producer.send_and_wait(
                TOPIC, message.value, key=key, headers=list(message.headers.items())
            )
    finally:
        await producer.stop()
    dead = await dead_letters_until_applied(db, own_broker, expected=2)

    async with db.transaction() as session:
        assert (await session.scalars(select(Effect.title))).all() == ["外部团队的事件"]
    errors = {dict(r.headers)["error"].decode() for r in dead}
    assert any("invalid post.published payload" in error for error in errors), errors
    assert any("Bad-Name: CloudEvents attribute names" in error for error in errors), errors
    for record in dead:
        # The dead letter is the message as it came: its content-type goes with it.
        assert record.headers[0] == ("content-type", STRUCTURED_CONTENT_TYPE.encode())
        assert dict(record.headers)["original-topic"] == TOPIC.encode()
