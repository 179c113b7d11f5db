"""Helpers for the platform tests: channels on the fakes, publishing, waiting for a status."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from channel_svc.app import create_runtime
from channel_svc.models import Base
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from event_contracts import CloudEvent

from tests.channel_svc.conftest import (
    WECHAT_APPID,
    WECHAT_SECRET,
    WEIBO_TOKEN,
    WEIBO_UID,
    published,
)
from tests.fakes.wechat import WechatFake

SETTLED = {"succeeded", "failed", "deferred", "awaiting_manual", "taken_down", "cancelled"}


async def add(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    response = await client.post("/api/v1/channels", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def wechat_channel(
    client: httpx.AsyncClient, headers: dict[str, str], base_url: str, **overrides: Any
) -> str:
    return await add(
        client,
        headers,
        {
            "platform": "wechat_oa",
            "name": "品牌公众号",
            "config": {
                "base_url": base_url,
                "link_template": "https://www.example.com/p/{post_id}",
            },
            "credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
            "signature": "— 品牌官方",
            **overrides,
        },
    )


async def weibo_channel(
    client: httpx.AsyncClient, headers: dict[str, str], base_url: str, **credentials: Any
) -> str:
    return await add(
        client,
        headers,
        {
            "platform": "weibo",
            "name": "品牌微博",
            "config": {
                "base_url": base_url,
                "safe_domain": "example.com",
                "link_template": "https://www.example.com/p/{post_id}",
            },
            "credentials": {"access_token": WEIBO_TOKEN, "uid": WEIBO_UID, **credentials},
        },
    )


def article(
    workspace_id: str, channel_ids: list[str], images_from: str, **fields: Any
) -> CloudEvent:
    body = f"## 亮点\n\n新品上市，欢迎体验。\n\n![图]({images_from}/_fake/images/body.png)"
    values: dict[str, Any] = {
        "title": "春季新品发布会回顾",
        "body_markdown": body,
        "body_html": (
            "<h2>亮点</h2><p>新品上市，欢迎体验。</p>"
            f'<p><img src="{images_from}/_fake/images/body.png" alt="图"></p>'
        ),
        "cover_url": f"{images_from}/_fake/images/cover.png",
        "summary": "一文看懂本次发布会。",
        **fields,
    }
    return published(workspace_id, channel_ids, **values)


async def apply(runtime: ChannelRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, runtime.consumer.handlers[event.type])


async def distribution_of(
    client: httpx.AsyncClient, headers: dict[str, str], post_id: str, channel_id: str
) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/distributions",
        params={"post_id": post_id, "channel_id": channel_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    return dict(item)


async def until(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    distribution_id: str,
    statuses: set[str] = SETTLED,
    timeout: float = 30.0,
) -> dict[str, Any]:
    # Generous: a bound for a hang, not a speed check (a loaded CI machine took over 10 s).
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get(f"/api/v1/distributions/{distribution_id}", headers=headers)
            assert response.status_code == 200
            body: dict[str, Any] = response.json()
            if body["status"] in statuses:
                return body
            await asyncio.sleep(0.02)


async def settled(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    runtime: ChannelRuntime,
    event: CloudEvent,
    channel_id: str,
    statuses: set[str] = SETTLED,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The post of `event` applied, and its distribution to `channel_id`: as planned, and
    once in one of `statuses` (a running worker sends it)."""
    await apply(runtime, event)
    row = await distribution_of(client, headers, event.data["post_id"], channel_id)
    return row, await until(client, headers, row["id"], statuses)


async def killed_during(
    runtime: ChannelRuntime,
    event: CloudEvent,
    fake: WechatFake,
    path: str,
    *,
    then: Callable[[], object],
) -> None:
    """The post of `event` applied, and the worker gone while its call to `path` is on the
    wire (the fake answers it half a second late); returns once `then()` holds at the fake,
    what the platform did with the call meanwhile."""
    fake.latency_paths[path] = 0.5
    async with running_worker(runtime):
        await apply(runtime, event)
        async with asyncio.timeout(30):
            while path not in fake.requests:
                await asyncio.sleep(0.01)
    async with asyncio.timeout(30):
        while not then():
            await asyncio.sleep(0.02)
    fake.latency_paths.clear()


@contextlib.asynccontextmanager
async def running_worker(runtime: ChannelRuntime) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(runtime.worker.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def fresh_runtime(settings: Settings, *, create: bool = False) -> ChannelRuntime:
    """A second runtime on the same database (a restarted process)."""
    runtime = create_runtime(settings)
    if create:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    return runtime


@contextlib.asynccontextmanager
async def running_replica(settings: Settings) -> AsyncIterator[ChannelRuntime]:
    """Another channel-svc process on the same database (a replica, or the one restarted),
    its worker running."""
    other = await fresh_runtime(settings)
    try:
        async with running_worker(other):
            yield other
    finally:
        await other.db.dispose()
