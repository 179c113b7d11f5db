"""The CloudEvents 1.0 envelope (structured JSON mode) every Mediaops event travels in.

The envelope keeps to the CloudEvents 1.0 spec and its JSON format: the optional attributes
(`subject`, `dataschema`, `datacontenttype`, `time`) and any extension attribute are
accepted and kept, so an event another producer (or SDK) made travels through a consumer,
the outbox and the dead-letter topics unchanged. Only what the spec forbids is refused: an
attribute name that is not lowercase ASCII letters and digits, an extension value that is
not a string, an integer or a boolean, a missing REQUIRED attribute. Beyond the spec,
Mediaops asks for a UUID `id` (consumers skip ids they applied), the `workspaceid`
extension, and JSON `data`: the topic's payload.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from event_contracts.base import UtcDatetime
from event_contracts.errors import InvalidEvent
from event_contracts.registry import get_topic

MAX_EVENT_BYTES = 512 * 1024
"""The largest message value (the whole CloudEvent, UTF-8 JSON) a Mediaops topic carries.

Half of Kafka's default `message.max.bytes` (1 MiB, also aiokafka's `max_request_size`),
so that an event fits a default broker and client with room for the record batch, headers
and key. Producers refuse a larger event where it is made; payloads carry what consumers
need (ids, versions, bounded text) and split what could grow without bound.
"""

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
"""The media type of a whole CloudEvent in JSON: the `content-type` header of every message
(the structured content mode of the CloudEvents Kafka protocol binding)."""

KAFKA_HEADERS: tuple[tuple[str, bytes], ...] = (
    ("content-type", STRUCTURED_CONTENT_TYPE.encode("ascii")),
)
"""The record headers every Mediaops message is sent with (aiokafka's `headers=`): they tell
any CloudEvents SDK that the value is a structured-mode event, not binary-mode data."""

# The attributes CloudEvents 1.0 calls REQUIRED: a message without one is no CloudEvent.
REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type")
# CloudEvents 1.0: attribute names MUST be lowercase ASCII letters or digits; they SHOULD
# NOT be longer than 20 characters (a recommendation, so longer names are accepted).
ATTRIBUTE_NAME_PATTERN = r"^[a-z0-9]+$"
# The CloudEvents Integer type: a 32-bit signed whole number.
INTEGER_RANGE = (-(2**31), 2**31 - 1)
# A JSON-formatted `datacontenttype` (JSON format 3.1.1): `*/json` or `*/*+json`, with or
# without parameters.
JSON_MEDIA_TYPE = re.compile(r"^[\w.+-]+/(?:[\w.+-]*\+)?json\s*(?:;.*)?$", re.IGNORECASE)
# A URI (RFC 3986) starts with its scheme; `dataschema` is a URI, not a reference.
ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")

ExtensionValue = str | bool | int

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(exc: ValidationError) -> str:
    described = []
    for error in exc.errors(include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in error["loc"])
        # A model validator's message names its attribute itself.
        described.append(f"{where}: {message}" if where else message)
    return "; ".join(described)


def _extension_schema(schema: dict[str, Any]) -> None:
    """What the JSON Schema says of the attributes the model does not name: extensions."""
    schema["propertyNames"] = {"pattern": ATTRIBUTE_NAME_PATTERN}
    schema["additionalProperties"] = {
        "description": "A CloudEvents extension attribute: a string, an integer or a boolean.",
        "anyOf": [
            {"type": "string"},
            {"type": "boolean"},
            {"type": "integer", "minimum": INTEGER_RANGE[0], "maximum": INTEGER_RANGE[1]},
            {"type": "null"},
        ],
    }


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event: `type` is the topic name, `data` the topic's payload.

    `workspaceid` is a CloudEvents extension attribute naming the tenant; `traceparent` is
    the W3C trace context of the CloudEvents distributed-tracing extension. Any other
    extension attribute is kept as it came (`extensions`) and written out again.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra=_extension_schema)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=_new_id, pattern=UUID_PATTERN)
    source: str = Field(min_length=1, examples=["/content-svc"])
    type: str = Field(min_length=1, examples=["post.published"])
    time: UtcDatetime = Field(default_factory=_now)
    subject: str | None = Field(default=None, min_length=1)
    dataschema: str | None = Field(
        default=None, json_schema_extra={"pattern": ABSOLUTE_URI.pattern, "format": "uri"}
    )
    datacontenttype: str = Field(
        default="application/json",
        json_schema_extra={"pattern": JSON_MEDIA_TYPE.pattern},
        description="A JSON media type (`*/json` or `*/*+json`): `data` is the payload.",
    )
    workspaceid: str = Field(min_length=1)
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    data: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _attributes(cls, values: Any) -> Any:
        """JSON format 2.2: an attribute whose value is `null` is unset (but `data`: a null
        payload is a payload, and not one of ours). Every other attribute the model does
        not name is an extension: its name and value must be what the spec allows."""
        if not isinstance(values, dict):
            return values
        values = {k: v for k, v in values.items() if v is not None or k == "data"}
        named = cls.__pydantic_fields__  # what `model_fields` returns, without its cost
        for name, value in values.items():
            if name not in named:
                problem = _extension_problem(str(name), value)
                if problem:
                    raise ValueError(f"{name}: {problem}")
        return values

    @field_validator("dataschema")
    @classmethod
    def _dataschema_is_a_uri(cls, value: str | None) -> str | None:
        if value is not None and not ABSOLUTE_URI.match(value):
            raise ValueError(f"{value!r} is not an absolute URI, as CloudEvents 1.0 asks")
        return value

    @field_validator("datacontenttype")
    @classmethod
    def _data_is_json(cls, value: str) -> str:
        if not JSON_MEDIA_TYPE.match(value):
            raise ValueError(
                f"{value!r} does not declare JSON (*/json or */*+json); "
                "the data of a Mediaops event is its JSON payload"
            )
        return value

    @property
    def extensions(self) -> dict[str, ExtensionValue]:
        """Extension attributes other than `workspaceid` and `traceparent`, as they came."""
        return dict(self.model_extra or {})

    @classmethod
    def create(
        cls,
        topic: str,
        source: str,
        subject: str,
        workspace_id: str,
        data: BaseModel,
        *,
        traceparent: str | None = None,
    ) -> CloudEvent:
        """A new event on `topic`; `data` must be the topic's payload model.

        Raises KeyError for an unregistered topic and InvalidEvent when `data` is not a
        valid payload of the topic or belongs to another workspace.
        """
        model = get_topic(topic).payload_model
        if not isinstance(data, model):
            raise InvalidEvent(f"{topic} carries {model.__name__}, not {type(data).__name__}")
        try:
            payload = model.model_validate(data.model_dump(warnings=False))
        except ValidationError as exc:
            raise InvalidEvent(f"invalid {topic} payload: {_describe(exc)}") from exc
        dumped = payload.model_dump(mode="json")
        if dumped.get("workspace_id", workspace_id) != workspace_id:
            raise InvalidEvent(
                f"{topic} payload belongs to workspace {dumped['workspace_id']}, not {workspace_id}"
            )
        return cls(
            source=source,
            type=topic,
            subject=subject,
            workspaceid=workspace_id,
            traceparent=traceparent,
            data=dumped,
        )

    def to_bytes(self) -> bytes:
        """The Kafka message value: compact JSON, attributes that are None left out."""
        return self.model_dump_json(exclude_none=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse a Kafka message value; InvalidEvent if it is not a valid envelope."""
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEvent(f"event is not JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise InvalidEvent(f"event must be a JSON object, got {type(document).__name__}")
        # Defaults are for making events; a received one states what the spec requires.
        missing = [name for name in REQUIRED_ATTRIBUTES if document.get(name) is None]
        if missing:
            raise InvalidEvent(
                "invalid CloudEvent envelope: "
                + "; ".join(f"{name}: required by CloudEvents 1.0" for name in missing)
            )
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise InvalidEvent(f"invalid CloudEvent envelope: {_describe(exc)}") from exc

    def payload(self) -> BaseModel:
        """`data` parsed with the payload model registered for this event's topic."""
        try:
            model = get_topic(self.type).payload_model
        except KeyError as exc:
            raise InvalidEvent(str(exc.args[0])) from None
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise InvalidEvent(f"invalid {self.type} payload: {_describe(exc)}") from exc


def _extension_problem(name: str, value: object) -> str | None:
    """Why `name: value` cannot be an extension attribute (CloudEvents 1.0 and its JSON
    format), or None when it can."""
    if name == "data_base64":
        return "Mediaops events carry their payload as JSON in `data`, not base64"
    if not re.fullmatch(ATTRIBUTE_NAME_PATTERN, name):
        return "CloudEvents attribute names are lowercase ASCII letters and digits only"
    if isinstance(value, bool | str):
        return None
    if isinstance(value, int):
        low, high = INTEGER_RANGE
        if low <= value <= high:
            return None
        return f"a CloudEvents Integer is between {low} and {high}"
    return (
        f"an extension attribute is a string, an integer or a boolean, not {type(value).__name__}"
    )
