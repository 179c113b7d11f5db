"""Requests the queue tests repeat: slots on tomorrow's weekday, queueing a post."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.content_svc.factories import ChannelFactory, Workspace

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOTS = "/api/v1/queue/slots"
QUEUE = "/api/v1/queue"
POSTS = "/api/v1/posts"


def tomorrow() -> date:
    return datetime.now(SHANGHAI).date() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> str:
    """The moment, as the API answers it (Shanghai offset)."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).isoformat()


async def add_slot(
    client: httpx.AsyncClient, ws: Workspace, channel_id: str, weekday: int, local_time: str
) -> dict[str, Any]:
    response = await client.post(
        SLOTS,
        json={"channel_id": channel_id, "weekday": weekday, "local_time": local_time},
        headers=ws.headers("editor"),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def queue(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channel_ids: list[str], **body: Any
) -> httpx.Response:
    return await client.post(
        f"{POSTS}/{post_id}/publish",
        json={"channel_ids": channel_ids, "queue": True, **body},
        headers=ws.headers("owner"),
    )


async def queued_at(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channel_ids: list[str]
) -> str:
    """Queue the post and answer the time it was scheduled for."""
    response = await queue(client, ws, post_id, channel_ids)
    assert response.status_code == 200, response.text
    post = response.json()
    assert post["status"] == "scheduled"
    return str(post["scheduled_at"])


def same_moment(answered: str, expected: str) -> bool:
    return datetime.fromisoformat(answered) == datetime.fromisoformat(expected)


async def weibo_with_slots(
    client: httpx.AsyncClient, ws: Workspace, known_channel: ChannelFactory, *local_times: str
) -> tuple[date, str]:
    """A Weibo channel with slots at `local_times` on tomorrow's weekday: (tomorrow, its id)."""
    day = tomorrow()
    channel = await known_channel(platform="weibo")
    for local_time in local_times:
        await add_slot(client, ws, channel, day.weekday(), local_time)
    return day, channel
