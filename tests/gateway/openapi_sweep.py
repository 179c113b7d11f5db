"""Helpers for the security sweep: operations from the merged OpenAPI document, request
bodies made from their JSON Schemas, path parameters filled with known ids."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"\{([^}]+)\}")

# Bodies the schema alone cannot make valid (cross-field rules); the sweep still covers
# every operation without an entry here, with a body made from its schema.
KNOWN_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/posts"): {"title": "扫描", "body_markdown": "# 扫描\n\n正文。"},
    ("post", "/api/v1/channels"): {
        "platform": "webhook",
        "name": "sweep",
        "config": {"url": "http://127.0.0.1:9/hook"},
        "secret": "a-webhook-secret-of-some-length",
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]
    service: str

    @property
    def public(self) -> bool:
        return self.spec.get("security") == []

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    @property
    def writes(self) -> bool:
        return self.method in ("post", "put", "patch", "delete")

    def json_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return media.get("schema") if media else None

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                spec = item[method]
                found.append(Operation(method, path, spec, spec.get("x-service", "?")))
    return found


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def sample(schema: dict[str, Any], document: dict[str, Any], depth: int = 0) -> Any:
    """A value valid for `schema` as far as plain JSON Schema goes."""
    schema = _resolve(schema, document)
    if depth > 6:
        return None
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, document).get("type") != "null"]
            return sample((options or schema[key])[0], document, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part, document, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type", "object")
    if kind == "string":
        fmt = schema.get("format", "")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "email":
            return f"{uuid.uuid4().hex[:8]}@example.com"
        if fmt in ("uri", "url"):
            return "http://127.0.0.1:9/sweep"
        if fmt == "date-time":
            return (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        if fmt == "date":
            return datetime.now(UTC).date().isoformat()
        return "x" * max(int(schema.get("minLength", 1)), min(4, int(schema.get("maxLength", 4))))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = low + (1 if "exclusiveMinimum" in schema else 0)
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [sample(schema.get("items", {}), document, depth + 1) for _ in range(count)]
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: sample(properties[name], document, depth + 1)
            for name in schema.get("required", [])
            if name in properties
        }
    return None


def body_for(operation: Operation, document: dict[str, Any]) -> Any:
    known = KNOWN_BODIES.get((operation.method, operation.path))
    if known is not None:
        return known
    schema = operation.json_schema()
    return sample(schema, document) if schema is not None else None


def fill(path: str, ids: dict[str, str]) -> tuple[str, bool]:
    """`path` with each `{param}` replaced by the id created at the collection before it
    (or a random UUID); and whether every id was a real one."""
    real = True
    out = path
    for match in PARAM.finditer(path):
        collection = path[: match.start()].rstrip("/")
        known = ids.get(PARAM.sub("*", collection))
        if known is None:
            real = False
        out = out.replace(match.group(0), known or str(uuid.uuid4()), 1)
    return out, real
