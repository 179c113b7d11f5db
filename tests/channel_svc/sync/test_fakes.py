"""The platform fakes enforce the statistics APIs' documented rules: WeChat's datacube (a
valid token, yesterday at the latest, each API's longest span, a daily quota, busy
answers) and Weibo's counts (100 ids a call, an hourly read limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.images import PNG
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.weibo import WeiboFake
from tests.fakes.weibo import create_app as create_weibo

APPID, SECRET = "wx0123456789abcdef", "0123456789abcdef0123456789abcdef"
TODAY = date(2026, 3, 20)


@pytest.fixture
async def wechat() -> AsyncIterator[tuple[WechatFake, httpx.AsyncClient, str]]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    fake.today_override = TODAY
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_wechat(fake)), base_url="http://wechat"
    ) as client:
        token = (
            await client.get(
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
            )
        ).json()["access_token"]
        yield fake, client, token


async def cube(
    client: httpx.AsyncClient, token: str, api: str, begin: date, end: date
) -> dict[str, Any]:
    response = await client.post(
        f"/datacube/{api}",
        params={"access_token": token},
        json={"begin_date": begin.isoformat(), "end_date": end.isoformat()},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def publish(fake: WechatFake, client: httpx.AsyncClient, token: str) -> str:
    """An article published through the fake's own API; its article id."""
    fake.publish_after_polls = 0
    material = await client.post(
        "/cgi-bin/material/add_material",
        params={"access_token": token, "type": "image"},
        files={"media": ("c.png", PNG, "image/png")},  # the fake checks what the file is
    )
    draft = await client.post(
        "/cgi-bin/draft/add",
        params={"access_token": token},
        json={
            "articles": [
                {
                    "title": "新品",
                    "content": "<p>hi</p>",
                    "thumb_media_id": material.json()["media_id"],
                }
            ]
        },
    )
    submitted = await client.post(
        "/cgi-bin/freepublish/submit",
        params={"access_token": token},
        json={"media_id": draft.json()["media_id"]},
    )
    got = await client.post(
        "/cgi-bin/freepublish/get",
        params={"access_token": token},
        json={"publish_id": submitted.json()["publish_id"]},
    )
    return str(got.json()["article_id"])


async def test_each_datacube_api_refuses_today_and_spans_longer_than_its_maximum(
    wechat: tuple[WechatFake, httpx.AsyncClient, str],
) -> None:
    _, client, token = wechat
    yesterday = TODAY - timedelta(days=1)
    for api, span in (
        ("getarticlesummary", 1),
        ("getarticletotal", 1),
        ("getuserread", 3),
        ("getusersummary", 7),
        ("getusercumulate", 7),
    ):
        first = yesterday - timedelta(days=span - 1)
        assert "list" in await cube(client, token, api, first, yesterday), api
        too_long = await cube(client, token, api, first - timedelta(days=1), yesterday)
        assert too_long["errcode"] == 61501, api
        assert (await cube(client, token, api, TODAY, TODAY))["errcode"] == 61501, api
    backwards = await cube(client, token, "getusersummary", yesterday, yesterday - timedelta(1))
    assert backwards["errcode"] == 61501
    unreadable = await client.post(
        "/datacube/getusersummary",
        params={"access_token": token},
        json={"begin_date": "2026/03/01", "end_date": "2026-03-01"},
    )
    assert unreadable.json()["errcode"] == 61500
    stale = await cube(client, "not-a-token", "getusersummary", yesterday, yesterday)
    assert stale["errcode"] == 40014


async def test_the_daily_quota_answers_45009_until_it_resets_and_busy_answers_minus_1(
    wechat: tuple[WechatFake, httpx.AsyncClient, str],
) -> None:
    fake, client, token = wechat
    day = TODAY - timedelta(days=1)
    fake.quotas["datacube/getarticletotal"] = 2
    for _ in range(2):
        assert "list" in await cube(client, token, "getarticletotal", day, day)
    assert (await cube(client, token, "getarticletotal", day, day))["errcode"] == 45009
    assert "list" in await cube(client, token, "getusersummary", day, day)  # its own quota
    fake.reset_quotas()
    assert "list" in await cube(client, token, "getarticletotal", day, day)
    await client.post("/_fake/switches", json={"busy": 1})
    assert (await cube(client, token, "getusersummary", day, day))["errcode"] == -1
    assert "list" in await cube(client, token, "getusersummary", day, day)


async def test_articles_and_followers_are_what_was_published_set_and_subscribed(
    wechat: tuple[WechatFake, httpx.AsyncClient, str],
) -> None:
    fake, client, token = wechat
    published_on = TODAY
    article_id = await publish(fake, client, token)
    response = await client.put(
        f"/_fake/articles/{article_id}/figures", json={"reads": 1200, "readers": 900, "shares": 30}
    )
    assert response.status_code == 200
    assert (await client.put("/_fake/articles/nope/figures", json={"reads": 1})).status_code == 404
    fake.subscribe(APPID, "o-alice")
    fake.subscribe(APPID, "o-bob")
    fake.subscribe(APPID, "o-bob", subscribed=False)
    # Two days later, the publication day and the next one are in the datacube.
    await client.put("/_fake/today", json={"today": (TODAY + timedelta(days=2)).isoformat()})
    [total] = (await cube(client, token, "getarticletotal", published_on, published_on))["list"]
    publication = fake.published()[0]
    assert total["msgid"] == f"{publication.msg_data_id}_1"
    assert [d["stat_date"] for d in total["details"]] == [
        published_on.isoformat(),
        (published_on + timedelta(days=1)).isoformat(),
    ]
    assert total["details"][-1]["int_page_read_count"] == 1200
    assert total["details"][-1]["share_count"] == 30
    [summary] = (await cube(client, token, "getusersummary", published_on, published_on))["list"]
    assert (summary["new_user"], summary["cancel_user"]) == (2, 1)
    cumulate = await cube(
        client, token, "getusercumulate", published_on, published_on + timedelta(days=1)
    )
    assert [row["cumulate_user"] for row in cumulate["list"]] == [1, 1]


async def test_weibo_counts_take_at_most_100_ids_and_reads_are_rate_limited() -> None:
    fake = WeiboFake()
    user = fake.add_user("1234567890", "2.00token")
    user.followers_count = 4321
    user.statuses.append(
        {"id": 1, "idstr": "1", "reposts_count": 3, "comments_count": 2, "attitudes_count": 9}
    )
    fake.hourly_read_limit = 3
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_weibo(fake)), base_url="http://weibo"
    ) as client:
        ok = await client.get(
            "/2/statuses/count.json", params={"access_token": "2.00token", "ids": "1,2"}
        )
        assert ok.json() == [{"id": 1, "idstr": "1", "reposts": 3, "comments": 2, "attitudes": 9}]
        many = ",".join(str(n) for n in range(101))
        too_many = await client.get(
            "/2/statuses/count.json", params={"access_token": "2.00token", "ids": many}
        )
        assert too_many.json()["error_code"] == 10017
        shown = await client.get(
            "/2/users/show.json", params={"access_token": "2.00token", "uid": "1234567890"}
        )
        assert shown.json()["followers_count"] == 4321
        limited = await client.get(
            "/2/users/show.json", params={"access_token": "2.00token", "uid": "1234567890"}
        )
        assert limited.status_code == 403
        assert limited.json()["error_code"] == 10023
