"""Every route of a service built by `build_app` refuses a body over the limit with a 413
problem, declared or streamed; routes with an allowance take more. Real HTTP (uvicorn)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack.ports import free_port
from fastapi import APIRouter, Request
from servicekit.bodylimit import BodyLimit
from servicekit.runtime import build_app
from servicekit.schemas import RequestModel
from servicekit.settings import SharedSettings
from starlette.types import Message

from tests.gateway.platform_harness import serve
from tests.servicekit.kit_models import (
    KitSettings,
    kit_runtime,
)

LIMIT = 64 * 1024
ALLOWANCE = 256 * 1024


class Note(RequestModel):
    text: str


router = APIRouter()


@router.post("/notes")
async def create_note(note: Note) -> dict[str, int]:
    return {"length": len(note.text)}


@router.post("/bulk/notes")
async def create_notes(request: Request) -> dict[str, int]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = KitSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/kit.db",
        shared=SharedSettings(environment="test", max_request_body_bytes=LIMIT, jwks="{}"),
    )
    runtime = kit_runtime(settings)
    app = build_app(
        runtime,
        [router],
        title="kit",
        configure_logs=False,
        body_allowances={"/api/v1/bulk": ALLOWANCE},
    )
    port = free_port()
    async with (
        serve(app, port, lifespan="off"),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
    ):
        yield client
    await runtime.db.dispose()


def _note(size: int) -> bytes:
    return json.dumps({"text": "x" * size}).encode()


async def _chunks(body: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_body_over_the_limit_is_413_declared_or_streamed(
    service: httpx.AsyncClient,
) -> None:
    declared = await service.post(
        "/api/v1/notes", content=_note(LIMIT), headers={"Content-Type": "application/json"}
    )
    streamed = await service.post(
        "/api/v1/notes",
        content=_chunks(_note(LIMIT)),  # chunked: no Content-Length to check up front
        headers={"Content-Type": "application/json"},
    )
    small = await service.post("/api/v1/notes", json={"text": "x" * (LIMIT // 2)})

    for refused in (declared, streamed):
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 413
        assert str(LIMIT) in refused.json()["detail"]
        assert refused.headers["x-request-id"]  # answered inside the request middleware
    assert "content-length" not in streamed.request.headers
    assert small.status_code == 200
    assert small.json() == {"length": LIMIT // 2}


async def test_a_route_with_an_allowance_takes_more_and_no_more(
    service: httpx.AsyncClient,
) -> None:
    body = b"y" * (ALLOWANCE - 1)
    taken = await service.post("/api/v1/bulk/notes", content=_chunks(body))
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"size": len(body)}

    over = await service.post("/api/v1/bulk/notes", content=_chunks(body + b"yy"))
    assert over.status_code == 413
    assert str(ALLOWANCE) in over.json()["detail"]


async def test_a_streamed_body_is_refused_as_it_arrives_not_read_to_the_end() -> None:
    """The middleware stops the read at the first chunk past the limit: an endless body
    costs the process one chunk more than the limit, and the app's own error is not sent."""
    chunk = b"z" * 4096
    handed: list[int] = []

    async def endless() -> Message:
        handed.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def reads_everything(scope: Any, receive: Any, send: Any) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:
            # An app that turns the interrupted read into its own answer (FastAPI: a 400).
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"bad body"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    limited = BodyLimit(reads_everything, max_bytes=LIMIT)
    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    await limited(scope, endless, send)

    assert sum(handed) == LIMIT + len(chunk)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["status"] == 413
