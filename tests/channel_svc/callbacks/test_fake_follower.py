"""The WeChat fake's followers write to channel-svc on a real port, as WeChat would: the
console's URL check on saving the server configuration, a follower's "文案" answered with
the material pack (sealed in safe mode), retries applied once, a replay refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from channel_svc.app import create_app
from channel_svc.runtime import ChannelRuntime
from devstack.ports import free_port

from tests.channel_svc.callbacks.helpers import (
    AES_KEY,
    OPENID,
    ORIGINAL_ID,
    TOKEN,
    add_rule,
    configured,
)
from tests.channel_svc.conftest import WECHAT_APPID, outbox_events
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]
PACK = "素材包在这里：https://pan.example.com/s/spring"


@pytest.fixture
async def served(runtime: ChannelRuntime) -> AsyncIterator[str]:
    """channel-svc on a real port of this event loop (the fake, in its thread, calls it)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime), host="127.0.0.1", port=port, lifespan="off", log_config=None
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_a_follower_writes_and_gets_the_pack_through_the_fake(
    client: httpx.AsyncClient,
    editor: dict[str, str],
    runtime: ChannelRuntime,
    served: str,
    wechat: Fake,
) -> None:
    _, base = wechat
    account = await configured(client, editor, base, mode="safe")
    await add_rule(
        client, editor, account.channel_id, keyword="文案", reply={"kind": "text", "text": PACK}
    )
    await add_rule(
        client,
        editor,
        account.channel_id,
        trigger="subscribe",
        reply={"kind": "text", "text": "欢迎关注"},
    )
    async with httpx.AsyncClient(base_url=base, timeout=30) as platform:
        wrong = await platform.put(
            f"/_fake/accounts/{WECHAT_APPID}/callback",
            json={
                "url": served + account.path,
                "token": "notTheToken",
                "encoding_aes_key": AES_KEY,
                "mode": "safe",
                "original_id": ORIGINAL_ID,
            },
        )
        assert wrong.status_code == 400  # the console's URL check fails: not saved
        saved = await platform.put(
            f"/_fake/accounts/{WECHAT_APPID}/callback",
            json={
                "url": served + account.path,
                "token": TOKEN,
                "encoding_aes_key": AES_KEY,
                "mode": "safe",
                "original_id": ORIGINAL_ID,
            },
        )
        assert saved.status_code == 200, saved.text
        greeted = (await platform.post(f"/_fake/followers/{OPENID}/subscribe")).json()
        assert greeted["reply"]["Content"] == "欢迎关注"
        answered = (
            await platform.post(
                f"/_fake/followers/{OPENID}/messages", json={"text": "文案", "repeat": 2}
            )
        ).json()
        assert answered["error"] is None
        assert answered["reply"]["Content"] == PACK
        assert answered["reply"]["FromUserName"] == ORIGINAL_ID
        replayed = (await platform.post("/_fake/callbacks/replay")).json()
        assert replayed["status"] == 403
        quiet = (
            await platform.post(f"/_fake/followers/{OPENID}/messages", json={"text": "hi"})
        ).json()
        assert quiet == {"status": 200, "reply": None, "error": None}
    received = await outbox_events(runtime, "platform.message.received")
    assert [r["data"]["text"] for r in received] == ["文案", "hi"]  # three pushes of 文案: one
    [followed] = await outbox_events(runtime, "platform.follower.changed")
    assert followed["data"]["followed"] is True
