import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from event_contracts import (
    CloudEvent,
    DistributionSucceededV1,
    InvalidEvent,
    PostPublishedV1,
    StatsIngestedV1,
    get_topic,
)

WORKSPACE = "5d2e7a44-1f3b-4c8e-8a61-0c9b1e2d3f40"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _post() -> PostPublishedV1:
    return PostPublishedV1.model_validate(get_topic("post.published").example)


def _event(**overrides: object) -> CloudEvent:
    post = _post()
    event = CloudEvent.create(
        topic="post.published",
        source="/content-svc",
        subject=post.post_id,
        workspace_id=WORKSPACE,
        data=post,
        traceparent=TRACEPARENT,
    )
    return event.model_copy(update=overrides)


def test_create_fills_the_envelope_and_dumps_data_as_json() -> None:
    before = datetime.now(UTC)
    event = _event()
    assert event.specversion == "1.0"
    assert event.type == "post.published"
    assert event.workspaceid == WORKSPACE
    assert event.datacontenttype == "application/json"
    assert before <= event.time <= datetime.now(UTC)
    assert event.time.utcoffset() == timedelta(0)
    assert event.data["published_at"] == "2025-03-18T02:00:00Z"
    assert event.data["title"] == "春季新品发布会回顾"
    assert _event().id != event.id


def test_round_trip_through_bytes() -> None:
    event = _event()
    raw = event.to_bytes()
    assert CloudEvent.from_bytes(raw) == event
    assert event.payload() == _post()


def test_to_bytes_is_compact_json_without_none_and_with_utc_time() -> None:
    event = _event(subject=None, traceparent=None)
    raw = event.to_bytes()
    document = json.loads(raw)
    assert b"\n" not in raw
    assert b", " not in raw.split(b'"data"')[0]
    assert "subject" not in document
    assert "traceparent" not in document
    assert document["time"].endswith(("Z", "+00:00"))


def test_time_is_normalised_to_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    event = _event(time=datetime(2025, 3, 18, 10, 0, tzinfo=shanghai))
    parsed = CloudEvent.from_bytes(event.to_bytes())
    assert parsed.time == datetime(2025, 3, 18, 2, 0, tzinfo=UTC)
    assert parsed.time.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"1.0"', b"{}"],
)
def test_garbage_is_an_invalid_event(raw: bytes) -> None:
    with pytest.raises(InvalidEvent):
        CloudEvent.from_bytes(raw)


def test_wrong_specversion_is_an_invalid_event() -> None:
    document = json.loads(_event().to_bytes())
    document["specversion"] = "0.3"
    with pytest.raises(InvalidEvent, match="specversion"):
        CloudEvent.from_bytes(json.dumps(document).encode())


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("id", "not-a-uuid"),
        ("time", "2025-03-18T02:00:00"),  # naive: UTC must be stated
        ("traceparent", "garbage"),
        ("datacontenttype", "text/plain"),
        ("dataschema", "schemas/post.json"),  # a URI, not a reference
        ("subject", ""),
    ],
)
def test_invalid_attribute_is_an_invalid_event(attribute: str, value: str) -> None:
    document = json.loads(_event().to_bytes())
    document[attribute] = value
    with pytest.raises(InvalidEvent, match=attribute):
        CloudEvent.from_bytes(json.dumps(document).encode())


def test_optional_and_extension_attributes_are_kept() -> None:
    """A valid CloudEvent from another producer: the spec's optional `dataschema`, a JSON
    `datacontenttype` with a parameter, and extensions of each JSON type, kept as they
    came and written out again."""
    document = json.loads(_event().to_bytes())
    added = {
        "dataschema": "https://mediaops.example.com/events/post.published.v1.schema.json",
        "datacontenttype": "application/json; charset=utf-8",
        "comexampletenant": "shop",
        "partitionkey": "post-1",
        "sequence": 42,
        "replayed": False,
        "averyveryverylongextensionname": "longer than the 20 characters the spec suggests",
    }
    event = CloudEvent.from_bytes(json.dumps({**document, **added}).encode())
    assert event.dataschema == added["dataschema"]
    assert event.extensions == {
        name: value for name, value in added.items() if name not in CloudEvent.model_fields
    }
    assert json.loads(event.to_bytes()) == {**document, **added}
    assert CloudEvent.from_bytes(event.to_bytes()) == event
    assert event.payload() == _post()


def test_null_attributes_are_unset() -> None:
    """JSON format: an attribute whose value is `null` is treated as absent."""
    document = json.loads(_event().to_bytes())
    event = CloudEvent.from_bytes(
        json.dumps({**document, "subject": None, "comexampleunset": None}).encode()
    )
    assert event.subject is None
    assert event.extensions == {}
    assert "comexampleunset" not in json.loads(event.to_bytes())


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("ComExample", "x", "lowercase ASCII letters and digits"),
        ("com-example", "x", "lowercase ASCII letters and digits"),
        ("com_example", "x", "lowercase ASCII letters and digits"),
        ("comexample", 1.5, "not float"),
        ("comexample", {"nested": 1}, "not dict"),
        ("comexample", [1], "not list"),
        ("comexample", 2**31, "Integer is between"),
        ("data_base64", "aGVsbG8=", "JSON in `data`"),
    ],
)
def test_an_extension_the_spec_forbids_is_an_invalid_event(
    name: str, value: object, reason: str
) -> None:
    document = json.loads(_event().to_bytes())
    document[name] = value
    with pytest.raises(InvalidEvent, match=rf"{name}: .*{reason}"):
        CloudEvent.from_bytes(json.dumps(document).encode())


@pytest.mark.parametrize("attribute", ["specversion", "id", "source", "type"])
def test_a_message_without_a_required_attribute_is_an_invalid_event(attribute: str) -> None:
    """Defaults fill an event being made, never one received: a message without an id
    would otherwise get a new one at each delivery, and be applied each time."""
    document = json.loads(_event().to_bytes())
    del document[attribute]
    with pytest.raises(InvalidEvent, match=f"{attribute}: required by CloudEvents 1.0"):
        CloudEvent.from_bytes(json.dumps(document).encode())


def test_missing_workspace_is_an_invalid_event() -> None:
    document = json.loads(_event().to_bytes())
    del document["workspaceid"]
    with pytest.raises(InvalidEvent, match="workspaceid"):
        CloudEvent.from_bytes(json.dumps(document).encode())


def test_payload_of_unknown_type_is_an_invalid_event() -> None:
    event = _event(type="post.deleted")
    with pytest.raises(InvalidEvent, match=r"post\.deleted"):
        event.payload()


def test_payload_with_invalid_data_is_an_invalid_event() -> None:
    event = _event(data={"post_id": "x"})
    with pytest.raises(InvalidEvent, match="title"):
        event.payload()


def test_payload_ignores_fields_added_by_newer_producers() -> None:
    data = {**_event().data, "reading_minutes": 4}
    assert _event(data=data).payload() == _post()


def test_a_distribution_may_say_when_the_copy_really_went_live() -> None:
    example = get_topic("distribution.succeeded").example
    assert DistributionSucceededV1.model_validate(example).published_at is None  # older producers
    by_hand = DistributionSucceededV1.model_validate(
        {**example, "published_at": "2025-03-16T20:30:00+08:00"}
    )
    assert by_hand.published_at == datetime(2025, 3, 16, 12, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone"):
        DistributionSucceededV1.model_validate({**example, "published_at": "2025-03-16T20:30:00"})


def test_create_rejects_the_payload_of_another_topic() -> None:
    stats = StatsIngestedV1.model_validate(get_topic("stats.ingested").example)
    with pytest.raises(InvalidEvent, match="PostPublishedV1"):
        CloudEvent.create("post.published", "/content-svc", "x", WORKSPACE, stats)


def test_create_rejects_a_payload_of_another_workspace() -> None:
    with pytest.raises(InvalidEvent, match="workspace"):
        CloudEvent.create("post.published", "/content-svc", "x", "other-workspace", _post())


def test_create_revalidates_an_unvalidated_payload() -> None:
    broken = PostPublishedV1.model_construct(
        **{**get_topic("post.published").example, "version": "three"}
    )
    with pytest.raises(InvalidEvent, match="version"):
        CloudEvent.create("post.published", "/content-svc", "x", WORKSPACE, broken)


def test_create_rejects_an_unregistered_topic() -> None:
    with pytest.raises(KeyError, match=r"post\.deleted"):
        CloudEvent.create("post.deleted", "/content-svc", "x", WORKSPACE, _post())
