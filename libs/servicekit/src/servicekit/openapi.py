"""Operation ids a client generator can use: `{resource}-{action}`, the same in a
service's own document and in the gateway's merged one.

The resource is the path's first segment under `/api/v1` (`posts`, `api-keys`), the tag
the merged document files the operation under. The action is the endpoint function's
name without the resource's own noun: `create_post` on `/posts` is `posts-create`,
`publish_post` is `posts-publish`, `list_revisions` is `posts-list-revisions`, `login`
on `/auth/login` is `auth-login`. A name that is only the noun (`trends`) is the
method's plain action (`trends-list`). Where the function's name would read wrong to a
caller, the route says its id itself (`operation_id="posts-update"` on `edit_post`):
FastAPI takes an explicit id over this function.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

API_PREFIX = "/api/v1/"
PATH_PARAMETER = re.compile(r"^\{[^}]+\}$")


def resource_of(path: str) -> str:
    """`posts` for `/api/v1/posts/{post_id}/publish`; `well-known` for
    `/.well-known/jwks.json`."""
    rest = path.removeprefix(API_PREFIX) if path.startswith(API_PREFIX) else path.lstrip("/")
    return rest.partition("/")[0].lstrip(".")


def _nouns(resource: str) -> set[str]:
    """The words of a resource in the plural and the singular: `api-keys` gives api,
    keys, key; `autoreplies` gives autoreply."""
    words: set[str] = set()
    for word in resource.split("-"):
        words.add(word)
        if word.endswith("ies"):
            words.add(word.removesuffix("ies") + "y")
        elif word.endswith("s"):
            words.add(word.removesuffix("s"))
    return words


def _plain_action(method: str, path: str) -> str:
    if method == "GET":
        return "get" if PATH_PARAMETER.match(path.rsplit("/", 1)[-1]) else "list"
    return {"POST": "create", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}.get(
        method, method.lower()
    )


def operation_id(route: APIRoute) -> str:
    """FastAPI's `generate_unique_id_function`: `posts-create` for `create_post` on
    `POST /api/v1/posts`."""
    resource = resource_of(route.path_format)
    nouns = _nouns(resource)
    words = [word for word in route.name.lower().split("_") if word and word not in nouns]
    method = sorted(route.methods or {"GET"})[0]
    action = "-".join(words) or _plain_action(method, route.path_format)
    return f"{resource}-{action}"
