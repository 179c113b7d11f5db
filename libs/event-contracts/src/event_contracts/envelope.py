"""The CloudEvents 1.0 envelope (structured JSON mode) every Mediaops event travels in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from event_contracts.errors import InvalidEvent
from event_contracts.payloads import UtcDatetime
from event_contracts.registry import get_topic

MAX_EVENT_BYTES = 512 * 1024
"""The largest message value (the whole CloudEvent, UTF-8 JSON) a Mediaops topic carries.

Half of Kafka's default `message.max.bytes` (1 MiB, also aiokafka's `max_request_size`),
so that an event fits a default broker and client with room for the record batch, headers
and key. Producers refuse a larger event where it is made; payloads carry what consumers
need (ids, versions, bounded text) and split what could grow without bound.
"""

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors(include_url=False)
    )


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event: `type` is the topic name, `data` the topic's payload.

    `workspaceid` is a CloudEvents extension attribute naming the tenant; `traceparent` is
    the W3C trace context of the CloudEvents distributed-tracing extension.
    """

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=_new_id, pattern=UUID_PATTERN)
    source: str = Field(min_length=1, examples=["/content-svc"])
    type: str = Field(min_length=1, examples=["post.published"])
    time: UtcDatetime = Field(default_factory=_now)
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    workspaceid: str = Field(min_length=1)
    traceparent: str | None = Field(default=None, pattern=TRACEPARENT_PATTERN)
    data: dict[str, Any]

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
