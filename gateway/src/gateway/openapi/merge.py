"""One OpenAPI document for the whole API: the gateway's own routes and every service's.

Each service's document is fetched from its `/openapi.json`; only the paths the gateway
routes to that service are taken. Component schemas keep their names unless two services
mean different things by one name: then the later one is renamed `<Service><Name>`
(`ContentPage`) and every `$ref` of its document follows. Operations are tagged by
resource (`posts`, `channels`: what a caller looks for), keep the `{resource}-{action}`
ids their service gave them (`servicekit.openapi`) and name that service in
`x-service`; the bearer (and API key) security schemes apply everywhere except to public
operations (`security: []`). Every error an operation can answer is described as a
problem (`gateway.openapi.errors`), and every JSON body in and out carries an example
(`gateway.openapi.examples`). Creating operations link
to the operations on what they created (OpenAPI links: `POST /posts` answers an `id` that
`GET /posts/{post_id}` takes), which clients and stateful testers follow.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from servicekit.openapi import resource_of

from gateway.openapi.errors import describe_errors
from gateway.openapi.examples import add_examples

REF_PREFIX = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from POST /api/v1/auth/login (or an API key: mok_...).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key from POST /api/v1/api-keys.",
    },
}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKey": []}]


@dataclass(frozen=True)
class Source:
    """One document to merge: whose it is, and which of its paths belong in the result."""

    name: str  # the service: "gateway", "content-svc", ...
    document: dict[str, Any]
    owns: Callable[[str], bool]  # path -> taken?
    public: Callable[[str], bool] = lambda _path: False


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                name = value.removeprefix(REF_PREFIX)
                out[key] = REF_PREFIX + renames.get(name, name)
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def _with_tuple_items(node: Any) -> Any:
    """A tuple of one type (`tuple[str, str]`: `prefixItems` only) also says `items`, which
    OpenAPI tools that predate `prefixItems` need (in place; returns `node`)."""
    if isinstance(node, dict):
        prefix = node.get("prefixItems")
        if prefix and "items" not in node and all(item == prefix[0] for item in prefix):
            node["items"] = copy.deepcopy(prefix[0])
        for value in node.values():
            _with_tuple_items(value)
    elif isinstance(node, list):
        for item in node:
            _with_tuple_items(item)
    return node


def _prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.removesuffix("-svc").split("-"))


def merge(
    sources: list[Source], *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    tags: dict[str, str] = {}  # resource -> the service that answers it
    operation_ids: set[str] = set()
    for source in sources:
        document = source.document
        theirs: dict[str, Any] = _with_tuple_items(
            copy.deepcopy(document.get("components", {}).get("schemas", {}))
        )
        renames: dict[str, str] = {}
        for name, schema in theirs.items():
            if name in schemas and schemas[name] != schema:
                renamed = _prefix(source.name) + name
                while renamed in schemas and schemas[renamed] != schema:
                    renamed += "_"
                renames[name] = renamed
        for name, schema in theirs.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            if not source.owns(path) or path in paths:
                continue
            merged_item: dict[str, Any] = {}
            for key, value in item.items():
                if key not in METHODS:
                    merged_item[key] = _rename_refs(copy.deepcopy(value), renames)
                    continue
                operation = _rename_refs(copy.deepcopy(value), renames)
                resource = resource_of(path)
                operation["tags"] = [resource]
                operation["x-service"] = source.name
                tags.setdefault(resource, source.name)
                operation_id = str(operation.get("operationId", f"{resource}-{key}"))
                while operation_id in operation_ids:  # a clash is a bug the tests name
                    operation_id += "_"
                operation_ids.add(operation_id)
                operation["operationId"] = operation_id
                if source.public(path) or operation.get("security") == []:
                    operation["security"] = []
                else:
                    operation.pop("security", None)  # the document-wide schemes apply
                merged_item[key] = operation
            paths[path] = merged_item
    add_links(paths, schemas)
    responses = describe_errors(paths, schemas)
    add_examples(paths, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": SECURITY,
        "tags": [
            {"name": resource, "description": f"Answered by {service}.", "x-service": service}
            for resource, service in sorted(tags.items())
        ],
    }


PATH_PARAMETER = re.compile(r"^\{([^}]+)\}$")


def _response_schema(operation: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    for status in ("201", "200"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        if ref.startswith(REF_PREFIX):
            schema = schemas.get(ref.removeprefix(REF_PREFIX), {})
        if schema:
            return {"status": status, **schema}
    return {}


def add_links(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> None:
    """Link each `POST /things` whose answer has an `id` to every operation under
    `/things/{thing_id}` that takes no other path parameter."""
    for collection, item in paths.items():
        create = item.get("post")
        if create is None:
            continue
        answer = _response_schema(create, schemas)
        if "id" not in answer.get("properties", {}):
            continue
        links: dict[str, Any] = {}
        for path, target in paths.items():
            rest = path.removeprefix(collection + "/").split("/")
            if not path.startswith(collection + "/") or not (
                found := PATH_PARAMETER.match(rest[0])
            ):
                continue
            if any(PATH_PARAMETER.match(segment) for segment in rest[1:]):
                continue
            for method in METHODS:
                operation = target.get(method)
                if operation is None or "operationId" not in operation:
                    continue
                name = re.sub(r"[^A-Za-z0-9._-]", "_", operation["operationId"])
                links[name] = {
                    "operationId": operation["operationId"],
                    "parameters": {f"path.{found[1]}": "$response.body#/id"},
                }
        if links:
            create["responses"][answer["status"]].setdefault("links", {}).update(links)
