"""user-svc under test: a runtime on the test database (SQLite and PostgreSQL), an HTTP
client over ASGITransport, workspaces with their operators' and API keys' headers.

The background parts (outbox relay) are not started: tests read the outbox table.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from servicekit.settings import SharedSettings
from user_svc.app import create_app, create_runtime
from user_svc.models import Base
from user_svc.runtime import UserRuntime
from user_svc.settings import Settings


@dataclass
class Workspace:
    """A workspace and the headers of its operators (by role) and API keys (by scope)."""

    id: str
    signer: Any
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def headers(self, *roles: str) -> dict[str, str]:
        headers: dict[str, str] = self.signer.headers(
            workspace_id=self.id, user_id=self.user_id, roles=roles or ("editor",)
        )
        return headers

    def api_key(self, *scopes: str) -> dict[str, str]:
        token = self.signer.token(workspace_id=self.id, roles=(), scopes=list(scopes))
        return {"Authorization": f"Bearer {token}"}


Ingest = Callable[..., Awaitable[dict[str, Any]]]


def interaction(
    external_id: str,
    author: str,
    *,
    kind: str = "comment",
    text: str | None = "写得真好",
    platform: str = "weibo",
    occurred_at: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "platform": platform,
        "kind": kind,
        "author": {"external_id": author, "handle": f"@{author}"},
        "external_id": external_id,
        "text": text,
        **extra,
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at.astimezone(UTC).isoformat()
    return body


@pytest.fixture
async def runtime(database_url: str, shared_settings: SharedSettings) -> AsyncIterator[UserRuntime]:
    runtime = create_runtime(Settings(database_url=database_url, shared=shared_settings))
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.db.dispose()


@pytest.fixture
async def client(runtime: UserRuntime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://user-svc") as client:
        yield client


@pytest.fixture
def workspace(signer: Any) -> Workspace:
    return Workspace(id=str(uuid.uuid4()), signer=signer)


@pytest.fixture
def other_workspace(signer: Any) -> Workspace:
    return Workspace(id=str(uuid.uuid4()), signer=signer)


@pytest.fixture
def ingest(client: httpx.AsyncClient, workspace: Workspace) -> Ingest:
    """Push interactions as a batch through the API; returns the batch result."""

    async def push(*items: dict[str, Any], ws: Workspace | None = None) -> dict[str, Any]:
        response = await client.post(
            "/api/v1/interactions/batch",
            json={"items": list(items)},
            headers=(ws or workspace).headers("editor"),
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    return push
