"""The merged OpenAPI document is one a client generator can use: stable readable
operation ids, tags by resource, every list a page, every error described as a problem,
an example on every body that validates, and no error from a standard OpenAPI linter."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from servicekit.openapi import resource_of

from tests.typescript_client.tooling import CLIENT, export_openapi, node_tool

METHODS = ("get", "put", "post", "delete", "patch")
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
# Pydantic's `time` is a wall-clock time ("09:30:00", RFC 3339's partial-time); the
# checker's `time` wants an offset too. Every other format is checked.
FORMATS = FormatChecker([f for f in FormatChecker.checkers if f != "time"])


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    merged: dict[str, Any] = export_openapi.merged_document()
    return merged


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def _resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def test_operation_ids_are_resource_dash_action_and_unique(document: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for method, path, op in _operations(document)}

    assert len(set(ids.values())) == len(ids)
    for (method, path), operation_id in ids.items():
        assert ID.fullmatch(operation_id), (method, path, operation_id)
        assert operation_id.startswith(resource_of(path) + "-"), (method, path, operation_id)
    assert {
        ids["post", "/api/v1/posts"],
        ids["get", "/api/v1/posts"],
        ids["get", "/api/v1/posts/{post_id}"],
        ids["patch", "/api/v1/posts/{post_id}"],
        ids["post", "/api/v1/posts/{post_id}/publish"],
        ids["post", "/api/v1/auth/login"],
        ids["get", "/api/v1/platforms/{key}"],
        ids["delete", "/api/v1/channels/{channel_id}"],
    } == {
        "posts-create",
        "posts-list",
        "posts-get",
        "posts-update",
        "posts-publish",
        "auth-login",
        "platforms-get",
        "channels-delete",
    }


def test_operations_are_tagged_by_resource_and_name_their_service(
    document: dict[str, Any],
) -> None:
    listed = {tag["name"]: tag for tag in document["tags"]}
    for method, path, operation in _operations(document):
        assert operation["tags"] == [resource_of(path)], (method, path)
        assert operation["tags"][0] in listed
        assert operation["x-service"] == listed[operation["tags"][0]]["x-service"]
    assert {"posts", "ideas", "channels", "distributions", "members", "auth"} <= set(listed)
    assert not {"gateway", "content-svc", "channel-svc", "user-svc", "metrics-svc"} & set(listed)
    assert listed["posts"]["x-service"] == "content-svc"


def test_every_list_answers_a_page(document: dict[str, Any]) -> None:
    arrays = set()
    for method, path, operation in _operations(document):
        answer = operation["responses"].get("200", {}).get("content", {}).get("application/json")
        if method != "get" or answer is None:
            continue
        schema = _resolve(answer["schema"], document)
        if schema.get("type") == "array":
            arrays.add(path)
        elif "items" in schema.get("properties", {}):
            assert set(schema["properties"]) == {"items", "next_cursor"}, path
    assert not arrays
    for path in (
        "/api/v1/wordlists",
        "/api/v1/segments",
        "/api/v1/platforms",
        "/api/v1/posts/{post_id}/revisions",
        "/api/v1/posts/{post_id}/history",
        "/api/v1/communities/{community_id}/activity",
    ):
        answer = document["paths"][path]["get"]["responses"]["200"]["content"]
        page = _resolve(answer["application/json"]["schema"], document)
        assert set(page["properties"]) == {"items", "next_cursor"}, path


def test_every_error_is_a_described_problem(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in json.dumps(document)
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        for status, response in responses.items():
            if int(status) < 400:
                continue
            described = _resolve(response, document)
            assert described["description"], (method, path, status)
            schema = described["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
        if operation.get("security") != []:
            assert {"401", "429"} <= set(responses), (method, path)
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
    invalid = document["components"]["responses"]["Invalid"]["content"]
    assert invalid["application/problem+json"]["example"]["status"] == 422


def _bodies(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every JSON body in (request) and out (2xx answers), by where it is."""
    found = []
    for method, path, operation in _operations(document):
        request = operation.get("requestBody", {}).get("content", {})
        if "application/json" in request:
            found.append((f"{method} {path} request", request["application/json"]))
        for status, response in operation["responses"].items():
            content = _resolve(response, document).get("content", {})
            if status.startswith("2") and "application/json" in content:
                found.append((f"{method} {path} {status}", content["application/json"]))
    return found


def test_every_body_has_an_example_that_its_schema_accepts(document: dict[str, Any]) -> None:
    bodies = _bodies(document)
    assert len(bodies) > 200
    for where, media in bodies:
        schema = media["schema"]
        if "example" in media:
            example = media["example"]
        else:
            examples = _resolve(schema, document).get("examples")
            assert examples, f"{where}: no example"
            example = examples[0]
        assert example is not None, where
        validator = Draft202012Validator(
            {**schema, "components": document["components"]},
            format_checker=FORMATS,
        )
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, (where, errors[:3])


def test_models_own_examples_are_shown(document: dict[str, Any]) -> None:
    login = document["components"]["schemas"]["LoginRequest"]
    create = document["paths"]["/api/v1/posts"]["post"]["requestBody"]["content"]
    assert login["examples"][0]["email"] == "ada@example.com"
    assert "example" not in create["application/json"]  # the model's own is the example
    assert document["components"]["schemas"]["PostCreate"]["examples"][0]["title"]


def test_a_standard_openapi_linter_finds_no_error(document: dict[str, Any], tmp_path: Path) -> None:
    spectral = node_tool("spectral")
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = subprocess.run(
        [spectral, "lint", "--ruleset", ".spectral.yaml", "--format", "json", str(path)],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    findings = json.loads(result.stdout or "[]")
    errors = [f for f in findings if f["severity"] == 0]
    assert not errors, [(e["code"], e["path"], e["message"]) for e in errors[:10]]
    assert result.returncode == 0, result.stderr[-2000:]
