"""Requests the queue tests repeat: slots on tomorrow's weekday, queueing a post."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from content_svc.posts.publishing import publish_due
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library

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


async def channels_with_slots(
    client: httpx.AsyncClient, ws: Workspace, known_channel: ChannelFactory
) -> tuple[date, str, str]:
    """(tomorrow, WeChat with slots at 09:00 and 18:00, Weibo with one at 18:00)."""
    day = tomorrow()
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    await add_slot(client, ws, wechat, day.weekday(), "09:00")
    await add_slot(client, ws, wechat, day.weekday(), "18:00")
    await add_slot(client, ws, weibo, day.weekday(), "18:00")
    return day, wechat, weibo


async def one_queued(
    client: httpx.AsyncClient,
    ws: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> tuple[date, str, str, dict[str, Any]]:
    """`channels_with_slots` and a post queued for both: (tomorrow, WeChat, Weibo, post);
    it holds WeChat's 09:00 and Weibo's 18:00."""
    day, wechat, weibo = await channels_with_slots(client, ws, known_channel)
    post = await create_post()
    await queued_post(client, ws, post["id"], [wechat, weibo])
    return day, wechat, weibo, post


async def queued_post(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channel_ids: list[str]
) -> dict[str, Any]:
    response = await queue(client, ws, post_id, channel_ids)
    assert response.status_code == 200, response.text
    post: dict[str, Any] = response.json()
    assert post["status"] == "scheduled"
    return post


def times_of(post: dict[str, Any]) -> dict[str, datetime]:
    return {cid: datetime.fromisoformat(t) for cid, t in post["channel_send_at"].items()}


def moment(day: date, hour: int) -> datetime:
    return datetime.fromisoformat(at(day, hour))


async def queue_entries(
    client: httpx.AsyncClient, ws: Workspace
) -> list[tuple[str, str, datetime]]:
    items = (await client.get(QUEUE, headers=ws.headers())).json()["items"]
    return [(q["post_id"], q["channel_id"], datetime.fromisoformat(q["slot_at"])) for q in items]


async def publish_due_at(runtime: ServiceRuntime, now: datetime) -> int:
    """Run the scheduler as at `now`: how many posts it published."""
    async with runtime.db.transaction() as session:
        return await publish_due(session, media_library(runtime), now=now)
