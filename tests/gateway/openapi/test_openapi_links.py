"""The merged document links creating operations to the operations on what they created."""

from __future__ import annotations

from typing import Any

from gateway.openapi.merge import Source, merge


def _operation(operation_id: str, response: dict[str, Any] | None = None) -> dict[str, Any]:
    responses = {"201": {"content": {"application/json": {"schema": response}}}} if response else {}
    return {"operationId": operation_id, "responses": responses or {"204": {}}}


def _document() -> dict[str, Any]:
    post_out = {"type": "object", "properties": {"id": {"type": "string"}}}
    return {
        "paths": {
            "/api/v1/posts": {
                "post": _operation("create_post", {"$ref": "#/components/schemas/PostOut"}),
                "get": _operation("list_posts"),
            },
            "/api/v1/posts/{post_id}": {
                "get": _operation("get_post"),
                "delete": _operation("delete_post"),
            },
            "/api/v1/posts/{post_id}/submit": {"post": _operation("submit_post")},
            "/api/v1/posts/{post_id}/comments/{comment_id}": {"get": _operation("get_comment")},
            "/api/v1/tags": {"post": _operation("create_tag", {"type": "object"})},
        },
        "components": {"schemas": {"PostOut": post_out}},
    }


def test_a_created_id_feeds_each_operation_on_that_one_resource() -> None:
    merged = merge(
        [Source("content-svc", _document(), owns=lambda _path: True)], title="t", version="1"
    )
    links = merged["paths"]["/api/v1/posts"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"]: link["parameters"] for link in links.values()} == {
        "get_post": {"path.post_id": "$response.body#/id"},
        "delete_post": {"path.post_id": "$response.body#/id"},
        "submit_post": {"path.post_id": "$response.body#/id"},
    }
    # A second path parameter the answer cannot fill: no link. No id in the answer: none.
    assert "links" not in merged["paths"]["/api/v1/tags"]["post"]["responses"]["201"]
