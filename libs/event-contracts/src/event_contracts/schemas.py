"""JSON Schemas and the AsyncAPI document, generated from the models and the registry.

The rendered files are checked in under ``docs/events/`` (``make schemas``) so that a change
of contract shows up as a diff in review.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from event_contracts.envelope import MAX_EVENT_BYTES, STRUCTURED_CONTENT_TYPE, CloudEvent
from event_contracts.registry import TOPICS, Topic, dlq_topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"
_REQUIRED_ATTRIBUTES = ["specversion", "id", "source", "type", "time", "workspaceid", "data"]


# The Kafka record headers of every message: structured content mode of the CloudEvents
# Kafka protocol binding (`event_contracts.KAFKA_HEADERS`).
_HEADERS = {
    "type": "object",
    "properties": {
        "content-type": {
            "const": STRUCTURED_CONTENT_TYPE,
            "description": "The value is a whole CloudEvent in JSON (structured mode).",
        }
    },
    "required": ["content-type"],
}


def _envelope_schema(topic: Topic, data_schema: dict[str, Any]) -> dict[str, Any]:
    """The envelope's schema with `type` fixed to the topic and `data` set to its payload."""
    schema = CloudEvent.model_json_schema()
    schema["title"] = f"{topic.name} v{topic.version}"
    schema["description"] = topic.description
    schema["properties"]["type"] = {"const": topic.name, "type": "string"}
    schema["properties"]["data"] = data_schema
    schema["required"] = list(_REQUIRED_ATTRIBUTES)
    return schema


def json_schema_for(topic: Topic) -> dict[str, Any]:
    """A standalone JSON Schema (draft 2020-12) of a whole CloudEvent on `topic`."""
    payload_schema = topic.payload_model.model_json_schema()
    definitions = payload_schema.pop("$defs", {})
    schema = _envelope_schema(topic, payload_schema)
    if definitions:
        schema["$defs"] = definitions
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def schema_filename(topic: Topic) -> str:
    """The file name under ``docs/events/`` of `topic`'s JSON Schema."""
    return f"{topic.name}.v{topic.version}.schema.json"


def _component_id(topic: Topic) -> str:
    # AsyncAPI component and channel ids may not contain dots.
    return topic.name.replace(".", "_")


def _example_event(topic: Topic) -> dict[str, Any]:
    # Fixed id and time keep the generated document stable between runs.
    data = topic.example
    event = CloudEvent(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"mediaops:{topic.name}")),
        source=f"/{topic.producers[0]}",
        type=topic.name,
        time=datetime(2025, 3, 18, 2, 0, 8, tzinfo=UTC),
        subject=str(data[topic.key]),
        workspaceid=str(data["workspace_id"]),
        data=data,
    )
    result: dict[str, Any] = json.loads(event.to_bytes())
    return result


def asyncapi_document() -> dict[str, Any]:
    """An AsyncAPI 3.0.0 document of every topic, its message, producers and consumers."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (topic.payload_model, "validation") for topic in TOPICS
    ]
    _, top = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = top.get("$defs", {})

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        cid = _component_id(topic)
        message_name = topic.payload_model.__name__
        data_ref = {"$ref": f"#/components/schemas/{message_name}"}
        messages[message_name] = {
            "name": message_name,
            "title": f"{topic.name} v{topic.version}",
            "summary": topic.description,
            "contentType": STRUCTURED_CONTENT_TYPE,
            "headers": _HEADERS,
            "payload": _envelope_schema(topic, data_ref),
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": f"data.{topic.key}, UTF-8: one aggregate stays on "
                        "one partition, in order",
                    },
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
            "examples": [{"name": "example", "payload": _example_event(topic)}],
        }
        channels[cid] = {
            "address": topic.name,
            "title": topic.name,
            "description": (
                f"{topic.description} Messages that a consumer cannot apply go to "
                f"`{dlq_topic(topic.name)}` with headers `error` and `original-topic`."
            ),
            "messages": {message_name: {"$ref": f"#/components/messages/{message_name}"}},
            "bindings": {
                "kafka": {
                    "topic": topic.name,
                    "partitions": topic.partitions,
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        message_ref = [{"$ref": f"#/channels/{cid}/messages/{message_name}"}]
        operations[f"send_{cid}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Produced by {', '.join(topic.producers)}",
            "description": f"Producers: {', '.join(topic.producers)}. "
            f"Message key: data.{topic.key}.",
            "messages": message_ref,
        }
        operations[f"receive_{cid}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Consumed by {', '.join(topic.consumers)}",
            "description": f"Consumers: {', '.join(topic.consumers)}. "
            "Consumers are idempotent (they skip event ids already applied).",
            "messages": message_ref,
        }

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Mediaops events",
            "version": "1.0.0",
            "description": (
                "Events between Mediaops services, for internal subscribers. Every message "
                "is a CloudEvents 1.0 event in structured JSON mode; `type` is the topic "
                "name and `data` the payload. A message value is at most "
                f"{MAX_EVENT_BYTES} bytes ({MAX_EVENT_BYTES // 1024} KiB). Changes are "
                "additive; a breaking change is a new topic version."
            ),
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def topic_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every registered topic version."""
    return {schema_filename(topic): json_schema_for(topic) for topic in TOPICS}


def render(document: dict[str, Any]) -> str:
    """A document as the files under ``docs/events/`` hold it."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered_documents() -> dict[str, str]:
    """File name under ``docs/events/`` -> content, as ``make schemas`` writes them."""
    files = {name: render(schema) for name, schema in topic_schemas().items()}
    files["asyncapi.json"] = render(asyncapi_document())
    return files
