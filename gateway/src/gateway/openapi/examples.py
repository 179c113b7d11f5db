"""An example on every JSON body the merged document describes, in and out.

A model's own example (`model_config = ConfigDict(json_schema_extra={"examples": [...]})`)
is the one shown, as pydantic wrote it into the schema. FastAPI writes a
document without any null, examples' nulls too: a required field that may be null and
is missing from a model's example is given back its null. A body without an example
gets one built from its schema: each property's own example (`Field(examples=[...])`) or
default, the first of its allowed values, or a value of its type and format. Its fields
are all there, optional ones too, so a reader sees the whole shape.
"""

from __future__ import annotations

from typing import Any

REF_PREFIX = "#/components/schemas/"
JSON = "application/json"
MAX_DEPTH = 8
EXAMPLE_ID = "0b6f3c1e-5d2a-4c8e-9f47-2a1d3b4c5e6f"
EXAMPLE_TIME = "2026-03-02T09:30:00Z"
FORMATS = {
    "date-time": EXAMPLE_TIME,
    "date": "2026-03-02",
    "time": "09:30:00",
    "duration": "P1D",
    "email": "ada@example.com",
    "uri": "https://example.com/spring-launch",
    "url": "https://example.com/spring-launch",
    "uuid": EXAMPLE_ID,
    "binary": "",
}


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema and schema["$ref"].startswith(REF_PREFIX):
        schema = schemas.get(schema["$ref"].removeprefix(REF_PREFIX), {})
    return schema


def own_example(schema: dict[str, Any], schemas: dict[str, Any]) -> tuple[bool, Any]:
    """(True, the example) when the schema, or the one it refers to, gives one."""
    for node in (schema, _resolve(schema, schemas)):
        if node.get("examples"):
            return True, node["examples"][0]
        if "example" in node:
            return True, node["example"]
    return False, None


def _string(name: str, schema: dict[str, Any]) -> str:
    if schema.get("format") in FORMATS:
        return FORMATS[schema["format"]]
    if name == "id" or name.endswith("_id"):
        return EXAMPLE_ID
    value = name.replace("_", " ") or "text"
    low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 1_000))
    return (value * (low // max(len(value), 1) + 1))[: max(low, min(len(value), high))]


def _number(schema: dict[str, Any]) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None:
        return float(low) + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None:
        return min(float(high) - (1 if "exclusiveMaximum" in schema else 0), 1.0)
    return 1.0


def example_of(
    schema: dict[str, Any], schemas: dict[str, Any], name: str = "", depth: int = 0
) -> Any:
    """A value of `schema`: its own example, or one built from its parts."""
    found, example = own_example(schema, schemas)
    if found:
        return example
    schema = _resolve(schema, schemas)
    if depth > MAX_DEPTH:
        return None
    if schema.get("default") is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, schemas).get("type") != "null"]
            return example_of((options or schema[key])[0], schemas, name, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_of(part, schemas, name, depth + 1)
            if not isinstance(value, dict):
                return value
            merged.update(value)
        return merged
    kind = schema.get("type", "object" if "properties" in schema else None)
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return _string(name, schema)
    if kind == "integer":
        return int(_number(schema))
    if kind == "number":
        return _number(schema)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "array":
        return _array(schema, schemas, name, depth)
    if kind == "object":
        return _object(schema, schemas, depth)
    return None


def _array(schema: dict[str, Any], schemas: dict[str, Any], name: str, depth: int) -> list[Any]:
    if "prefixItems" in schema:
        return [example_of(item, schemas, name, depth + 1) for item in schema["prefixItems"]]
    count = max(int(schema.get("minItems", 1)), 1)
    count = min(count, int(schema.get("maxItems", count)))
    item = example_of(schema.get("items", {}), schemas, name.removesuffix("s"), depth + 1)
    if schema.get("uniqueItems") and count > 1:
        return [item] if not isinstance(item, str) else [f"{item} {i + 1}" for i in range(count)]
    return [item] * count


def _object(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    value = {
        key: example_of(prop, schemas, key, depth + 1)
        for key, prop in properties.items()
        if depth < MAX_DEPTH - 2 or key in schema.get("required", ())
    }
    extra = schema.get("additionalProperties")
    if not properties and isinstance(extra, dict) and extra:
        value["key"] = example_of(extra, schemas, "value", depth + 1)
    return value


def _nullable(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    options = schema.get("anyOf", schema.get("oneOf", [schema]))
    return any(_resolve(option, schemas).get("type") == "null" for option in options)


def _restore_nulls(value: Any, schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> None:
    """Put back (in place) the nulls of required fields that FastAPI left out of `value`."""
    schema = _resolve(schema, schemas)
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            _restore_nulls(item, schema.get("items", {}), schemas, depth + 1)
        return
    if not isinstance(value, dict):
        return
    properties: dict[str, Any] = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value and key in properties and _nullable(properties[key], schemas):
            value[key] = None
    for key, prop in properties.items():
        if key in value:
            for option in prop.get("anyOf", [prop]):
                _restore_nulls(value[key], option, schemas, depth + 1)


def restore_nulls(schemas: dict[str, Any]) -> None:
    """Give the models' own examples back the nulls FastAPI dropped (in place)."""
    for schema in schemas.values():
        for example in schema.get("examples", []) if isinstance(schema, dict) else []:
            _restore_nulls(example, schema, schemas, 0)


def _media(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON media objects of the request body and the 2xx answers."""
    found = []
    body = operation.get("requestBody", {}).get("content", {})
    if JSON in body:
        found.append(body[JSON])
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if status.startswith("2") and JSON in content:
            found.append(content[JSON])
    return found


def add_examples(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> None:
    """Give every JSON body in and out, with no example of its own, one built from its
    schema (in place)."""
    restore_nulls(schemas)
    for item in paths.values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for media in _media(operation):
                schema = media.get("schema", {})
                if "example" in media or "examples" in media or not schema:
                    continue
                found, _ = own_example(schema, schemas)
                if not found:
                    media["example"] = example_of(schema, schemas)
