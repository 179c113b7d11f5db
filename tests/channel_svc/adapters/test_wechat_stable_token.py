"""The WeChat fake keeps the documented contract of the stable token, which the adapter
relies on to share one token between replicas: the normal mode answers the same token to
every caller, a forced refresh knocks the previous one out (at most once per 30 s), and
`/cgi-bin/token` is kept apart from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat

APPID = "wx0123456789abcdef"
SECRET = "s" * 32


@pytest.fixture
async def wechat() -> AsyncIterator[tuple[WechatFake, httpx.AsyncClient]]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_wechat(fake)), base_url="http://wechat"
    ) as client:
        yield fake, client


async def stable(client: httpx.AsyncClient, *, force: bool = False) -> dict[str, Any]:
    body = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    response = await client.post("/cgi-bin/stable_token", json={**body, "force_refresh": force})
    answer: dict[str, Any] = response.json()
    return answer


async def errcode(client: httpx.AsyncClient, token: str) -> int:
    response = await client.post(
        "/cgi-bin/freepublish/batchget",
        params={"access_token": token},
        json={"offset": 0, "count": 1},
    )
    return int(response.json().get("errcode") or 0)


async def test_the_normal_mode_answers_every_caller_the_same_token(
    wechat: tuple[WechatFake, httpx.AsyncClient],
) -> None:
    _, client = wechat
    first, second = await stable(client), await stable(client)
    assert first["access_token"] == second["access_token"]
    assert 0 < second["expires_in"] <= 7200
    assert await errcode(client, first["access_token"]) == 0


async def test_a_forced_refresh_knocks_the_previous_token_out_once_per_30_seconds(
    wechat: tuple[WechatFake, httpx.AsyncClient],
) -> None:
    fake, client = wechat
    before = (await stable(client))["access_token"]
    forced = (await stable(client, force=True))["access_token"]
    assert forced != before
    assert await errcode(client, before) == 40001
    assert (await stable(client, force=True))["access_token"] == forced  # too soon
    assert (await stable(client))["access_token"] == forced
    assert fake.accounts[APPID].stable_tokens_issued == 2


async def test_the_stable_token_is_kept_apart_from_the_token_api(
    wechat: tuple[WechatFake, httpx.AsyncClient],
) -> None:
    _, client = wechat
    token = (await stable(client))["access_token"]
    params = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    (await client.get("/cgi-bin/token", params=params)).raise_for_status()
    (await client.get("/cgi-bin/token", params=params)).raise_for_status()
    assert await errcode(client, token) == 0


async def test_wrong_credentials_and_grant_type_are_refused_by_code(
    wechat: tuple[WechatFake, httpx.AsyncClient],
) -> None:
    _, client = wechat
    wrong_grant = await client.post(
        "/cgi-bin/stable_token", json={"grant_type": "x", "appid": APPID, "secret": SECRET}
    )
    assert wrong_grant.json()["errcode"] == 40002
    body = {"grant_type": "client_credential", "appid": APPID, "secret": "wrong"}
    wrong_secret = await client.post("/cgi-bin/stable_token", json=body)
    assert wrong_secret.json()["errcode"] == 40125
