"""`/api/v1/events/stream`: the workspace's events as they happen, as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from servicekit.auth import bearer_token
from servicekit.db import utcnow
from servicekit.problems import Invalid, problem_responses
from sse_starlette import EventSourceResponse, ServerSentEvent

from gateway.access import SignedIn, access_token_expiry
from gateway.runtime import GatewayRuntime, Runtime
from gateway.stream import service

router = APIRouter(prefix="/events", tags=["events"])


async def _events(
    runtime: GatewayRuntime, workspace_id: str, seq: int, until: datetime
) -> AsyncIterator[ServerSentEvent]:
    """The workspace's events after `seq`, until `until` (when the access token expires:
    the client reconnects with a fresh one and `Last-Event-ID`, and misses nothing)."""
    while (left := (until - utcnow()).total_seconds()) > 0:
        async with runtime.db.transaction(read_only=True) as session:
            found = [
                (row.seq, row.type, row.data)
                for row in await service.after(session, workspace_id, seq)
            ]
        for seq, kind, data in found:
            yield ServerSentEvent(
                data=json.dumps(data, ensure_ascii=False), event=kind, id=str(seq)
            )
        if not found:
            await runtime.stream_hub.wait(min(runtime.settings.stream_poll_seconds, left))


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "A `text/event-stream`: each event's `event` is its topic, `id` "
            "its place in the workspace's stream, `data` the CloudEvent (JSON).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
    summary="Your workspace's events as they happen (server-sent events)",
    description=(
        "Distribution outcomes and hand-offs, review steps, inbox assignments and new "
        "inbox items, as they are applied. A client that reconnects sends the last `id` it "
        "received as `Last-Event-ID` and gets every event since (kept for a day); without "
        "it, the stream starts with the next event. The stream ends when the access token "
        "it was opened with expires: reconnect with a fresh token and `Last-Event-ID`."
    ),
)
async def stream(
    request: Request,
    caller: SignedIn,
    runtime: Runtime,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    if last_event_id is not None and last_event_id.strip():
        try:
            seq = int(last_event_id)
        except ValueError:
            raise Invalid.field("Last-Event-ID", "an id this stream sent (a number)") from None
    else:
        async with runtime.db.transaction(read_only=True) as session:
            seq = await service.latest(session, caller.workspace_id)
    until = access_token_expiry(bearer_token(request))
    return EventSourceResponse(
        _events(runtime, caller.workspace_id, seq, until),
        ping=runtime.settings.stream_ping_seconds,
    )
