"""Helpers of the content-svc tests: fixture types, event builders, a channel-svc stand-in."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from content_svc.media.service import Library
from content_svc.models import OutboxMessage
from content_svc.runtime import ContentRuntime
from event_contracts import ChannelChangedV1, CloudEvent
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select


def media_library(runtime: ServiceRuntime) -> Library:
    """The runtime's media library (what the publishing jobs sign download URLs with)."""
    assert isinstance(runtime, ContentRuntime)
    return runtime.media


ChannelFactory = Callable[..., Awaitable[str]]
PostFactory = Callable[..., Awaitable[dict[str, Any]]]


@dataclass
class Workspace:
    """A workspace and the headers of its members, by role."""

    id: str
    signer: Any
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def headers(self, *roles: str) -> dict[str, str]:
        headers: dict[str, str] = self.signer.headers(
            workspace_id=self.id, user_id=self.user_id, roles=roles or ("editor",)
        )
        return headers


P = TypeVar("P", bound=BaseModel)


async def outbox_events(runtime: ServiceRuntime) -> list[CloudEvent]:
    """The events content-svc has written to its outbox, oldest first."""
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [CloudEvent.from_bytes(row.value) for row in rows]


async def outbox_payloads(runtime: ServiceRuntime, kind: type[P]) -> list[P]:
    """The payloads of `kind` content-svc has written to its outbox, oldest first."""
    payloads = [event.payload() for event in await outbox_events(runtime)]
    return [payload for payload in payloads if isinstance(payload, kind)]


def channel_changed(
    workspace_id: str,
    channel_id: str | None = None,
    *,
    deleted: bool = False,
    platform: str = "wechat",
    changed_at: datetime | None = None,
    name: str = "品牌官方公众号",
) -> CloudEvent:
    channel_id = channel_id or str(uuid.uuid4())
    return CloudEvent.create(
        "channel.changed",
        "/channel-svc",
        channel_id,
        workspace_id,
        ChannelChangedV1(
            channel_id=channel_id,
            workspace_id=workspace_id,
            platform=platform,
            name=name,
            status="active",
            deleted=deleted,
            changed_at=changed_at or datetime.now(UTC),
        ),
    )


@dataclass
class ChannelServiceStandIn:
    """A tiny channel-svc on a real port: knows some channel ids, can be slow."""

    live: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)
    authorizations: list[str | None] = field(default_factory=list)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/channels/{channel_id}")
        async def get_channel(channel_id: str, request: Request) -> JSONResponse:
            self.authorizations.append(request.headers.get("authorization"))
            if channel_id in self.slow:
                await asyncio.sleep(3.0)  # past content-svc's 2 s timeout in tests
            if channel_id not in self.live:
                return JSONResponse({"title": "Not found", "status": 404}, status_code=404)
            return JSONResponse({"id": channel_id, "platform": "weibo", "name": "官方微博"})

        return app
