"""`GET /api/v1/events/stream`: a signed-in operator hears their workspace's events as they
are applied, over a real HTTP connection (server-sent events), and a client that reconnects
with `Last-Event-ID` gets what it missed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from event_contracts import CloudEvent
from gateway.stream import service as stream_events
from gateway.tidy import prune
from sqlalchemy import text

from tests.gateway.gateway_harness import Gateway, bearer, served
from tests.gateway.notifications.helpers import apply, failed, succeeded
from tests.servicekit.test_outbox_and_consumer import eventually


class Stream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next event: its `id`, `event` and `data` (the CloudEvent, parsed)."""

        async def read() -> dict[str, Any]:
            fields: dict[str, Any] = {}
            async for line in self.lines:
                if not line:
                    if "data" in fields:
                        fields["data"] = json.loads(fields["data"])
                        return fields
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), timeout)

    async def rest(self, timeout: float = 30.0) -> list[str]:
        """The event names sent until the server ends the stream."""

        async def read() -> list[str]:
            return [line async for line in self.lines if line.startswith("event:")]

        return await asyncio.wait_for(read(), timeout)


@asynccontextmanager
async def listening(
    url: str, token: str, last_event_id: str | None = None
) -> AsyncIterator[Stream]:
    headers = bearer(token) | ({"Last-Event-ID": last_event_id} if last_event_id else {})
    async with (
        httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(10.0, read=None)) as client,
        client.stream("GET", "/api/v1/events/stream", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response)


async def test_an_operator_hears_their_workspace_and_resumes_without_a_gap(gw: Gateway) -> None:
    ada_workspace = (await gw.signup("ada@example.com"))["workspace"]["id"]
    erin_workspace = (await gw.signup("erin@example.com", workspace_name="E"))["workspace"]["id"]
    ada = await gw.login("ada@example.com")

    async with served(gw) as url:
        async with listening(url, ada) as stream:
            await apply(gw, succeeded(erin_workspace, "erin-post"))
            await apply(gw, failed(ada_workspace, post="ada-1"))
            first = await stream.next()
        # Disconnected: two more happen meanwhile.
        await apply(gw, succeeded(ada_workspace, "ada-2"))
        await apply(gw, succeeded(erin_workspace, "erin-2"))
        await apply(gw, succeeded(ada_workspace, "ada-3"))
        async with listening(url, ada, last_event_id=first["id"]) as resumed:
            second = await resumed.next()
            third = await resumed.next()

    assert first["event"] == "distribution.failed"
    assert first["data"]["workspaceid"] == ada_workspace
    assert first["data"]["data"]["post_id"] == "ada-1"
    assert [second["data"]["data"]["post_id"], third["data"]["data"]["post_id"]] == [
        "ada-2",
        "ada-3",
    ]
    assert second["event"] == third["event"] == "distribution.succeeded"
    assert int(first["id"]) < int(second["id"]) < int(third["id"])


async def test_a_bad_last_event_id_is_a_422_naming_it(gw: Gateway) -> None:
    await gw.signup("ada@example.com")
    ada = await gw.login("ada@example.com")

    answer = await gw.client.get(
        "/api/v1/events/stream", headers=bearer(ada) | {"Last-Event-ID": "yesterday"}
    )
    anonymous = await gw.client.get("/api/v1/events/stream")

    assert answer.status_code == 422
    assert [error["field"] for error in answer.json()["errors"]] == ["Last-Event-ID"]
    assert anonymous.status_code == 401


async def test_housekeeping_forgets_stream_events_older_than_a_day(gw: Gateway) -> None:
    workspace = (await gw.signup("ada@example.com"))["workspace"]["id"]
    ada = await gw.login("ada@example.com")
    runtime = gw.app.state.runtime
    old = succeeded(workspace, "old")
    event = CloudEvent.create(
        "distribution.succeeded", "/channel-svc", "old", workspace, old
    ).model_copy(update={"time": datetime.now(UTC) - timedelta(days=2)})
    await apply(gw, old, event=event)
    await apply(gw, succeeded(workspace, "new"))

    await prune(runtime.db, runtime.settings.shared)
    async with served(gw) as url, listening(url, ada, last_event_id="0") as stream:
        kept = await stream.next()

    assert kept["data"]["data"]["post_id"] == "new"


async def test_the_stream_ends_when_its_token_expires_and_resumes_with_a_fresh_one(
    gw: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = (await gw.signup("ada@example.com"))["workspace"]["id"]
    ada = await gw.login("ada@example.com")
    expires = datetime.fromtimestamp(
        jwt.decode(ada, options={"verify_signature": False})["exp"], UTC
    )

    async with served(gw) as url:
        async with listening(url, ada) as stream:
            await apply(gw, succeeded(workspace, "before"))
            before = await stream.next()
            # The token's time is up (the stream's clock moves past it) ...
            monkeypatch.setattr(
                "gateway.stream.router.utcnow", lambda: expires + timedelta(seconds=1)
            )
            await apply(gw, succeeded(workspace, "after"))  # ... and wakes the stream
            sent_after_expiry = await stream.rest()
        monkeypatch.undo()
        fresh = await gw.login("ada@example.com")
        async with listening(url, fresh, last_event_id=before["id"]) as resumed:
            after = await resumed.next()

    assert before["data"]["data"]["post_id"] == "before"
    assert sent_after_expiry == []
    assert after["data"]["data"]["post_id"] == "after"


async def test_a_workspaces_events_commit_in_the_order_of_their_ids(
    gw: Gateway, database_url: str
) -> None:
    """With several gateway replicas, a stream never skips an event: an event stored after
    another of its workspace waits for that one's commit, so that no reader sees a higher id
    before a lower one (which it would then skip for good)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its ids commit in order anyway")
    db = gw.app.state.runtime.db
    workspace = (await gw.signup("ada@example.com"))["workspace"]["id"]

    def event(post: str) -> CloudEvent:
        return CloudEvent.create(
            "distribution.succeeded", "/channel-svc", post, workspace, succeeded(workspace, post)
        )

    async def store(post: str) -> None:
        async with db.transaction() as session:
            await stream_events.remember(session, event(post))

    async def waiting_for_the_lock() -> bool:
        async with db.transaction() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            )
        return bool(waiting)

    async def seen() -> list[str]:
        async with db.transaction(read_only=True) as session:
            rows = await stream_events.after(session, workspace, 0)
        return [row.data["data"]["post_id"] for row in rows]

    async with db.transaction() as first:  # replica 1 stores "first", not yet committed
        await stream_events.remember(first, event("first"))
        second = asyncio.create_task(store("second"))  # replica 2, meanwhile
        await eventually(waiting_for_the_lock)
        while_first_is_open = await seen()
    await second

    assert while_first_is_open == []  # "second" could not commit ahead of "first"
    assert await seen() == ["first", "second"]
