import json
from pathlib import Path
from typing import Any

import pytest
from event_contracts import KAFKA_HEADERS, TOPICS, CloudEvent, Topic, asyncapi_document, get_topic
from event_contracts.schemas import rendered_documents, schema_filename
from jsonschema import Draft202012Validator

EVENTS_DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"
STALE = "docs/events is out of date with event_contracts: run `make schemas` and commit the result"


def _checked_in_schema(topic: Topic) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (EVENTS_DOCS / schema_filename(topic)).read_text(encoding="utf-8")
    )
    return schema


def _example_envelope(topic: Topic) -> dict[str, Any]:
    payload = topic.payload_model.model_validate(topic.example)
    event = CloudEvent.create(
        topic=topic.name,
        source=f"/{topic.producers[0]}",
        subject=str(topic.example[topic.key]),
        workspace_id=str(topic.example["workspace_id"]),
        data=payload,
    )
    envelope: dict[str, Any] = json.loads(event.to_bytes())
    return envelope


@pytest.mark.parametrize(("name", "content"), sorted(rendered_documents().items()))
def test_checked_in_documents_match_generator(name: str, content: str) -> None:
    path = EVENTS_DOCS / name
    assert path.is_file(), f"{path} is missing; {STALE}"
    assert path.read_text(encoding="utf-8") == content, f"{path} differs; {STALE}"


def test_no_schema_of_an_unregistered_topic_is_checked_in() -> None:
    checked_in = {path.name for path in EVENTS_DOCS.glob("*.schema.json")}
    assert checked_in == {schema_filename(topic) for topic in TOPICS}, STALE


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_example_is_a_valid_payload(topic: Topic) -> None:
    payload = topic.payload_model.model_validate(topic.example)
    # Nothing in the example is silently dropped: it uses only declared fields.
    assert set(topic.example) <= set(payload.model_fields_set)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_example_envelope_validates_against_checked_in_schema(topic: Topic) -> None:
    schema = _checked_in_schema(topic)
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(_example_envelope(topic))


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_schema_rejects_another_topics_type_and_missing_payload_fields(topic: Topic) -> None:
    validator = Draft202012Validator(_checked_in_schema(topic))
    envelope = _example_envelope(topic)
    assert validator.is_valid(envelope)

    other = next(t for t in TOPICS if t.name != topic.name)
    assert not validator.is_valid({**envelope, "type": other.name})
    data_without_key = {k: v for k, v in envelope["data"].items() if k != topic.key}
    assert not validator.is_valid({**envelope, "data": data_without_key})
    assert not validator.is_valid({**envelope, "Unknown-Attribute": "x"})
    assert not validator.is_valid({**envelope, "comexample": {"nested": "x"}})


def test_schema_accepts_optional_and_extension_attributes() -> None:
    topic = get_topic("post.published")
    envelope = {
        **_example_envelope(topic),
        "dataschema": "https://mediaops.example.com/events/post.published.v1.schema.json",
        "comexampletenant": "shop",
        "sequence": 42,
        "replayed": False,
    }
    Draft202012Validator(_checked_in_schema(topic)).validate(envelope)


def test_schema_accepts_additive_payload_fields() -> None:
    topic = get_topic("post.published")
    envelope = _example_envelope(topic)
    envelope["data"]["reading_minutes"] = 4
    Draft202012Validator(_checked_in_schema(topic)).validate(envelope)


def test_asyncapi_describes_every_topic_with_its_producers_and_consumers() -> None:
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    assert document["defaultContentType"] == "application/cloudevents+json"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {topic.name for topic in TOPICS}

    channel_ids = {channel["address"]: cid for cid, channel in document["channels"].items()}
    for topic in TOPICS:
        channel_ref = f"#/channels/{channel_ids[topic.name]}"
        on_channel = [
            op for op in document["operations"].values() if op["channel"]["$ref"] == channel_ref
        ]
        assert sorted(op["action"] for op in on_channel) == ["receive", "send"]
        send = next(op for op in on_channel if op["action"] == "send")
        receive = next(op for op in on_channel if op["action"] == "receive")
        assert all(producer in send["description"] for producer in topic.producers)
        assert all(consumer in receive["description"] for consumer in topic.consumers)
        message = document["components"]["messages"][topic.payload_model.__name__]
        assert topic.key in message["bindings"]["kafka"]["key"]["description"]
        # The header every message goes with, as the relay sends it.
        headers = Draft202012Validator(message["headers"])
        assert headers.is_valid({name: value.decode() for name, value in KAFKA_HEADERS})
        assert not headers.is_valid({"content-type": "application/json"})


def test_asyncapi_references_resolve() -> None:
    document = asyncapi_document()
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"unresolved $ref {ref}"
            node = node[part]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_asyncapi_message_examples_validate_against_their_topic_schema() -> None:
    messages = asyncapi_document()["components"]["messages"]
    for topic in TOPICS:
        example = messages[topic.payload_model.__name__]["examples"][0]["payload"]
        Draft202012Validator(_checked_in_schema(topic)).validate(example)


def test_the_subscriber_guide_lists_every_topic_as_registered() -> None:
    from pathlib import Path

    from event_contracts.registry import TOPICS

    guide = (Path(__file__).resolve().parents[2] / "docs" / "events" / "README.md").read_text()
    for topic in TOPICS:
        row = (
            f"| `{topic.name}` | {', '.join(topic.producers)} | "
            f"{', '.join(topic.consumers)} | `{topic.key}` |"
        )
        assert row in guide, f"docs/events/README.md is out of date for {topic.name}"
