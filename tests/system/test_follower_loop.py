"""A follower writes "文案" to the official account and gets the material pack back, with
every process real and WeChat played by its fake: the console's URL check and the follower's
encrypted message reach channel-svc through the gateway's public callback; the member and
the message then show in user-svc through the gateway API (by Kafka, as
`platform.message.received`); the operator answers from the inbox, channel-svc sends it as
a customer-service message (by Kafka, `inbox.answer.requested`), and the answer shows sent
(`inbox.answer.settled`) while the fake shows what the follower received."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from devstack.stack import Stack

from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.system.conftest import eventually
from tests.system.test_publish_slice import sign_up

APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "mediaopsToken2025"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ORIGINAL_ID = "gh_7f083739789a"
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
PACK = "素材包在这里：https://pan.example.com/s/spring"


@pytest.fixture
def wechat() -> Iterator[str]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    running = serve_in_thread(create_wechat(fake))
    yield running.url
    running.stop()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def wechat_channel_calling_back(
    gateway: httpx.AsyncClient, stack: Stack, owner: dict[str, str], config: dict[str, Any]
) -> dict[str, Any]:
    """The owner's channel on the fake's account (at `config["base_url"]`), its callback
    saved in channel-svc and then in WeChat's console: the gateway's public callback URL,
    which the console checks as it saves it."""
    channel: dict[str, Any] = ok(
        await gateway.post(
            "/api/v1/channels",
            json={
                "platform": "wechat_oa",
                "name": "星辰咖啡公众号",
                "config": config,
                "credentials": {"appid": APPID, "secret": SECRET},
            },
            headers=owner,
        ),
        201,
    )
    settings = {
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "mode": "safe",
        "original_id": ORIGINAL_ID,
    }
    callback = ok(
        await gateway.put(
            f"/api/v1/channels/{channel['id']}/callback", json=settings, headers=owner
        )
    )
    url = stack.url("gateway") + callback["callback_path"]
    async with httpx.AsyncClient(base_url=config["base_url"], timeout=30) as platform:
        ok(await platform.put(f"/_fake/accounts/{APPID}/callback", json={"url": url, **settings}))
    return channel


async def test_a_follower_gets_the_pack_and_shows_in_the_inbox(
    gateway: httpx.AsyncClient, stack: Stack, wechat: str
) -> None:
    owner = await sign_up(gateway, "星辰咖啡")
    channel = await wechat_channel_calling_back(gateway, stack, owner, {"base_url": wechat})
    ok(
        await gateway.post(
            "/api/v1/autoreplies",
            json={
                "channel_id": channel["id"],
                "keyword": "文案",
                "reply": {"kind": "text", "text": PACK},
            },
            headers=owner,
        ),
        201,
    )
    async with httpx.AsyncClient(base_url=wechat, timeout=30) as platform:
        answered = ok(
            await platform.post(f"/_fake/followers/{OPENID}/messages", json={"text": "文案"})
        )
    assert answered["error"] is None
    assert answered["reply"]["Content"] == PACK

    async def in_the_inbox() -> list[dict[str, Any]] | None:
        items = ok(await gateway.get("/api/v1/inbox", headers=owner))["items"]
        return items or None

    [item] = await eventually(in_the_inbox)
    assert item["interaction"]["text"] == "文案"
    assert item["interaction"]["platform"] == "wechat"
    members = ok(await gateway.get("/api/v1/members", params={"platform": "wechat"}, headers=owner))
    [member] = members["items"]
    assert [i["external_id"] for i in member["identities"]] == [OPENID]

    # The operator answers from the inbox: the follower gets it as a customer-service
    # message (inside the 48 hours their message opened), and the answer shows sent.
    reply = "资料包已发到您的邮箱，请查收"
    pending = ok(
        await gateway.post(
            f"/api/v1/inbox/{item['id']}/answer", json={"text": reply}, headers=owner
        ),
        202,
    )
    assert pending["answer"]["status"] == "pending"

    async def answer_settled() -> dict[str, Any] | None:
        shown = ok(await gateway.get(f"/api/v1/inbox/{item['id']}", headers=owner))
        answer: dict[str, Any] = shown["answer"]
        return answer if answer["status"] != "pending" else None

    settled = await eventually(answer_settled)
    assert settled["status"] == "sent", settled
    async with httpx.AsyncClient(base_url=wechat, timeout=30) as platform:
        sent = ok(await platform.get("/_fake/sent"))
    assert [(s["touser"], s["content"]) for s in sent] == [(OPENID, reply)]
    again = await gateway.post(
        f"/api/v1/inbox/{item['id']}/answers/{settled['id']}/retry", headers=owner
    )
    assert again.status_code == 409
