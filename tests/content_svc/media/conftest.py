"""Uploading to the media library through the API, and reading files back by their URLs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.content_svc.factories import Workspace

MEDIA = "/api/v1/media"

Uploader = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def upload(client: httpx.AsyncClient, workspace: Workspace) -> Uploader:
    async def send(
        data: bytes,
        name: str = "photo.png",
        *,
        tags: tuple[str, ...] = (),
        ws: Workspace | None = None,
        role: str = "editor",
    ) -> httpx.Response:
        return await client.post(
            MEDIA,
            files={"file": (name, data, "application/octet-stream")},
            data={"tags": list(tags)},
            headers=(ws or workspace).headers(role),
        )

    return send


async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET a signed file URL as anyone would: no credentials, only the URL."""
    parts = urlsplit(url)
    return await client.get(f"{parts.path}?{parts.query}")


def fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]
