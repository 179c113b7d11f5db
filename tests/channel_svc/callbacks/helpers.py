"""A WeChat channel with its callback configured, and pushes signed as WeChat signs them
(the fake's own signing and sealing: `tests.fakes.wechat_followers`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.channel_svc.conftest import WECHAT_APPID
from tests.channel_svc.helpers import wechat_channel
from tests.fakes.wechat_followers import CallbackConfig, read_reply, signed_request

TOKEN = "mediaopsToken2025"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ORIGINAL_ID = "gh_7f083739789a"
OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


@dataclass
class Account:
    channel_id: str
    path: str
    config: CallbackConfig


async def configured(
    client: httpx.AsyncClient, headers: dict[str, str], base_url: str, *, mode: str = "safe"
) -> Account:
    channel_id = await wechat_channel(client, headers, base_url)
    response = await client.put(
        f"/api/v1/channels/{channel_id}/callback",
        json={
            "token": TOKEN,
            "encoding_aes_key": AES_KEY,
            "mode": mode,
            "original_id": ORIGINAL_ID,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    config = CallbackConfig(
        appid=WECHAT_APPID,
        url=body["callback_path"],
        token=TOKEN,
        mode=mode,
        original_id=ORIGINAL_ID,
        encoding_aes_key=AES_KEY,
    )
    return Account(channel_id, body["callback_path"], config)


async def add_rule(
    client: httpx.AsyncClient, headers: dict[str, str], channel_id: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/autoreplies", json={"channel_id": channel_id, **fields}, headers=headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def text_message(
    text: str, *, msg_id: int = 6054768590064713728, openid: str = OPENID
) -> dict[str, Any]:
    return {
        "ToUserName": ORIGINAL_ID,
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": text,
        "MsgId": msg_id,
    }


def event(name: str, *, openid: str = OPENID, **extra: Any) -> dict[str, Any]:
    return {
        "ToUserName": ORIGINAL_ID,
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": name,
        **extra,
    }


async def push(
    client: httpx.AsyncClient, account: Account, fields: dict[str, Any]
) -> tuple[httpx.Response, dict[str, Any] | None]:
    """One push as WeChat makes it, and the passive reply as WeChat reads it."""
    params, body = signed_request(account.config, fields)
    response = await client.post(account.path, params=params, content=body)
    if response.status_code != 200:
        return response, None
    return response, read_reply(account.config, str(fields["FromUserName"]), response.text)
