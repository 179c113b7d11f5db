"""The merged OpenAPI document: the gateway's own and each service's.

The services' documents are fetched concurrently, kept for `openapi_cache_seconds`, and
fetched again on the first request after that; a service that does not answer keeps its
last good document (or is listed under `x-unavailable` until it answers once).
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

from gateway.openapi.merge import Source, merge
from gateway.proxy.routes import PUBLIC_PATHS, PUBLIC_RESOURCES, RESOURCES, Upstream

log = structlog.get_logger(__name__)


FETCH_TIMEOUT_SECONDS = 10.0  # a large document is built on first request
RETRY_UNAVAILABLE_SECONDS = 5.0
GATEWAY_PREFIXES = (
    "/api/v1/auth",
    "/api/v1/operators",
    "/api/v1/api-keys",
    "/api/v1/notifications",
    "/api/v1/events",
    "/.well-known",
)


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").partition("/")[0] if path.startswith("/api/v1/") else ""


def _owned_by(service: str, path: str) -> bool:
    return RESOURCES.get(_resource(path)) == service


def _public(path: str) -> bool:
    return _resource(path) in PUBLIC_RESOURCES or PUBLIC_PATHS.fullmatch(path) is not None


class OpenApiCache:
    def __init__(self, upstreams: dict[str, Upstream], ttl: float) -> None:
        self.upstreams = upstreams
        self.ttl = ttl
        self._documents: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._merged: dict[str, Any] | None = None
        self._unavailable: list[str] = []
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        # A service that did not answer is asked again sooner than the others.
        ttl = min(self.ttl, RETRY_UNAVAILABLE_SECONDS) if self._unavailable else self.ttl
        return self._fetched_at is not None and time.monotonic() - self._fetched_at < ttl

    async def _fetch(self, client: httpx.AsyncClient, key: str, upstream: Upstream) -> None:
        try:
            response = await client.get(
                f"{upstream.url}/openapi.json", timeout=FETCH_TIMEOUT_SECONDS
            )
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
            self._documents[key] = document
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi_fetch_failed", upstream=upstream.name, error=repr(exc))

    async def document(self, app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
        if self._fresh() and self._merged is not None:
            return self._merged
        async with self._lock:
            if not (self._fresh() and self._merged is not None):
                await asyncio.gather(
                    *(self._fetch(client, key, u) for key, u in self.upstreams.items())
                )
                self._fetched_at = time.monotonic()
                self._merged = self._merge(app)
        return self._merged

    def _merge(self, app: FastAPI) -> dict[str, Any]:
        self._unavailable = [u.name for k, u in self.upstreams.items() if k not in self._documents]
        return merge_documents(app, self.upstreams, self._documents)


def merge_documents(
    app: FastAPI, upstreams: dict[str, Upstream], documents: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The gateway's own document (`app`'s) and each upstream's of `documents` (by the
    upstream's key) as one; the upstreams without a document are listed in
    `x-unavailable`."""
    own = app.openapi()
    sources = [
        Source(
            name="gateway",
            document=own,
            owns=lambda path: path.startswith(GATEWAY_PREFIXES),
        )
    ]
    for key, upstream in upstreams.items():
        if key in documents:
            sources.append(
                Source(
                    name=upstream.name,
                    document=documents[key],
                    owns=functools.partial(_owned_by, key),
                    public=_public,
                )
            )
    merged = merge(
        sources,
        title=str(own["info"]["title"]),
        version=str(own["info"]["version"]),
        description=str(own["info"].get("description", "")),
    )
    unavailable = [u.name for k, u in upstreams.items() if k not in documents]
    if unavailable:
        merged["x-unavailable"] = unavailable
    return merged
