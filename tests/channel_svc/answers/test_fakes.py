"""The fakes answer as the platforms do: WeChat's customer-service messages only inside the
window a follower's last action opened (a message: 5 within 48 hours; a click or
subscription: 3 within a minute; 45015 outside it or once they left, 45047 when spent);
Weibo's comment replies need the token, the comment on that status and at most 140
characters. What the accounts sent shows in `GET /_fake/sent`, newest first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.wechat_followers import Followers
from tests.fakes.weibo import WeiboFake
from tests.fakes.weibo import create_app as create_weibo

APPID, SECRET = "wx0123456789abcdef", "0123456789abcdef0123456789abcdef"
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
UID, TOKEN = "1234567890", "2.00weibo-token-0123456789"


@pytest.fixture
async def wechat() -> AsyncIterator[tuple[Followers, httpx.AsyncClient, str]]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    app = create_wechat(fake)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://wechat"
    ) as client:
        token = (
            await client.get(
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
            )
        ).json()["access_token"]
        yield app.state.followers, client, token


async def send(client: httpx.AsyncClient, token: str, text: str) -> int:
    response = await client.post(
        "/cgi-bin/message/custom/send",
        params={"access_token": token},
        json={"touser": OPENID, "msgtype": "text", "text": {"content": text}},
    )
    assert response.status_code == 200
    code: int = response.json()["errcode"]
    return code


async def test_a_followers_message_allows_five_answers_within_48_hours(
    wechat: tuple[Followers, httpx.AsyncClient, str],
) -> None:
    followers, client, token = wechat
    assert await send(client, token, "没有先说话的人") == 45015
    followers.acted(APPID, OPENID, "message")
    assert [await send(client, token, f"第{i}条") for i in range(1, 7)] == [0] * 5 + [45047]
    sent = (await client.get("/_fake/sent")).json()
    assert [s["content"] for s in sent] == [f"第{i}条" for i in range(5, 0, -1)]
    assert {(s["touser"], s["kind"]) for s in sent} == {(OPENID, "custom")}

    followers.acted(APPID, OPENID, "message")  # they write again: a new window
    assert await send(client, token, "又来了") == 0
    await client.post("/_fake/clock/advance", json={"seconds": 48 * 3600 + 1})
    assert await send(client, token, "太迟了") == 45015


async def test_a_click_allows_three_within_a_minute_and_leaving_closes_the_window(
    wechat: tuple[Followers, httpx.AsyncClient, str],
) -> None:
    followers, client, token = wechat
    followers.acted(APPID, OPENID, "click")
    assert [await send(client, token, str(i)) for i in range(4)] == [0, 0, 0, 45047]
    followers.acted(APPID, OPENID, "subscribe")
    await client.post("/_fake/clock/advance", json={"seconds": 61})
    assert await send(client, token, "一分钟后") == 45015
    followers.acted(APPID, OPENID, "message")
    followers.acted(APPID, OPENID, "unsubscribe")
    assert await send(client, token, "已取关") == 45015
    expired = await client.post(
        "/cgi-bin/message/custom/send",
        params={"access_token": "nope"},
        json={"touser": OPENID, "msgtype": "text", "text": {"content": "x"}},
    )
    assert expired.json()["errcode"] == 40014


async def test_weibo_replies_need_the_comment_the_token_and_140_characters() -> None:
    fake = WeiboFake(safe_domain="example.com")
    fake.add_user(UID, TOKEN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_weibo(fake)), base_url="http://weibo"
    ) as client:
        status = await client.post(
            "/2/statuses/share.json",
            data={"access_token": TOKEN, "status": "新品 https://www.example.com/p/1"},
        )
        status_id = status.json()["idstr"]
        cid = (
            await client.post(f"/_fake/statuses/{status_id}/comments", json={"text": "多少钱？"})
        ).json()["cid"]

        async def reply(**form: str) -> dict[str, Any]:
            body: dict[str, Any] = (
                await client.post(
                    "/2/comments/reply.json",
                    data={"access_token": TOKEN, "cid": cid, "id": status_id, **form},
                )
            ).json()
            return body

        assert (await reply(comment="好" * 141))["error_code"] == 20012
        assert (await reply(comment="九十九元", access_token="bad"))["error_code"] == 21332
        assert (await reply(comment="九十九元", cid="123"))["error_code"] == 20206
        assert (await reply(comment="九十九元", id="123"))["error_code"] == 20101
        answered = await reply(comment="九十九元")
        assert answered["reply_comment"]["idstr"] == cid
        sent = (await client.get("/_fake/sent")).json()
        assert [(s["kind"], s["text"]) for s in sent] == [
            ("comment_reply", "九十九元"),
            ("status", "新品 https://www.example.com/p/1"),
        ]
