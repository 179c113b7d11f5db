"""Figures pulled from the platforms, through the gateway only, with every process real.

An owner connects a Weibo account (the fake) and publishes a post to it; readers repost,
comment and like it on the platform. The operator asks for a collection now: channel-svc
pulls the counts of our statuses and the account's followers, metrics-svc stores them
(`platform.figures.collected`), and the post's report shows them, with no `POST /stats`.
The collector's status says when it ran and when it runs next. The readers' comments came
in with the same run (`platform.comments.collected`): the question is in the inbox, and
the operator's answer reaches Weibo as a reply under the status.

A WeChat official account (the fake) has four of our articles out, sent through the real
flow on four earlier days of the fake's calendar (WeChat's statistics stop at yesterday):
three read 6,000 times, the last 3,000. One collection pulls their figures from the
datacube; metrics-svc dates each copy to the day WeChat says it went out, and the last
post's report judges it from the pulled figures alone: 3,000 reads against a median of
6,000 at the same age, underperforming.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.weibo import WeiboFake
from tests.fakes.weibo import create_app as create_weibo
from tests.system.conftest import eventually
from tests.system.test_operator_week import earlier_post
from tests.system.week.api import add_channel, distributions, ok, sign_up_owner

WEIBO_UID = "2234567890"
WEIBO_TOKEN = "2.00figures-token-0123456789"
WECHAT_APPID = "wx5f1c2d3e4a5b6c7d"
WECHAT_SECRET = "5f1c2d3e4a5b6c7d5f1c2d3e4a5b6c7d"
# Days before today (the fake's, Beijing) each article went out, and its reads.
ARTICLES = {7: 6000, 6: 6000, 5: 6000, 3: 3000}


@pytest.fixture
def weibo() -> Iterator[tuple[WeiboFake, str]]:
    fake = WeiboFake(safe_domain="example.com")
    fake.add_user(WEIBO_UID, WEIBO_TOKEN)
    running = serve_in_thread(create_weibo(fake))
    yield fake, running.url
    running.stop()


async def connected(
    gateway: httpx.AsyncClient, workspace: str, channel: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """A new workspace's owner (auth headers) and the channel they connected."""
    owner = await sign_up_owner(gateway, workspace)
    return owner, await add_channel(gateway, owner, channel)


@pytest.fixture
def wechat() -> Iterator[tuple[WechatFake, str]]:
    fake = WechatFake()
    fake.add_account(WECHAT_APPID, WECHAT_SECRET)
    fake.publish_after_polls = 0  # out on the fake's day of its submit
    running = serve_in_thread(create_wechat(fake))
    yield fake, running.url
    running.stop()


async def test_wechat_figures_pulled_give_the_report_its_verdict_without_any_pushed_figures(
    gateway: httpx.AsyncClient, wechat: tuple[WechatFake, str]
) -> None:
    fake, url = wechat
    owner, channel = await connected(
        gateway,
        "山野茶铺",
        {
            "platform": "wechat_oa",
            "name": "山野茶铺公众号",
            "config": {"base_url": url},
            "credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
        },
    )
    today = fake.today()
    posts: dict[int, str] = {}
    for days_ago in ARTICLES:
        # WeChat takes the article on that day of the fake's calendar.
        fake.today_override = today - timedelta(days=days_ago)
        cover = f"{url}/_fake/images/cover.png"
        posts[days_ago] = await earlier_post(gateway, owner, days_ago, channel["id"], cover)

        async def submitted(count: int = len(posts)) -> bool | None:
            return len(fake.published()) == count or None

        await eventually(submitted)
    fake.today_override = None

    async def delivered(post_id: str) -> dict[str, Any] | None:
        items = await distributions(gateway, owner, post_id)
        return items[0] if items and items[0]["status"] == "succeeded" else None

    for days_ago, post_id in posts.items():
        sent = await eventually(lambda post_id=post_id: delivered(post_id), timeout=60)
        async with httpx.AsyncClient(base_url=url) as control:
            figures = {"reads": ARTICLES[days_ago], "readers": ARTICLES[days_ago] // 2}
            response = await control.put(
                f"/_fake/articles/{sent['external_id']}/figures", json=figures
            )
            assert response.status_code == 200, response.text

    triggered = await gateway.post(f"/api/v1/channels/{channel['id']}/sync", headers=owner)
    assert triggered.status_code == 202, triggered.text

    async def judged() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/reports/posts/{posts[3]}", headers=owner)
        if response.status_code != 200:
            return None
        report: dict[str, Any] = response.json()
        return report if report["channels"][0]["benchmark"]["verdict"] else None

    report = await eventually(judged, timeout=60)
    assert report["totals"]["reads"] == 3000
    [placement] = report["channels"]
    benchmark = placement["benchmark"]
    assert (benchmark["value"], benchmark["median"], benchmark["peers"]) == (3000, 6000, 3)
    assert benchmark["verdict"] == "underperforming", benchmark
    assert report["verdict"] == "underperforming"
    went_out = datetime.fromisoformat(placement["published_at"])
    assert (went_out + timedelta(hours=8)).date() == today - timedelta(days=3)
    status = ok(await gateway.get(f"/api/v1/channels/{channel['id']}/sync", headers=owner))
    assert status["last_error"] is None, status


async def test_weibo_figures_reach_the_post_report_without_any_pushed_figures(
    gateway: httpx.AsyncClient, weibo: tuple[WeiboFake, str]
) -> None:
    fake, url = weibo
    owner, channel = await connected(
        gateway,
        "燕麦咖啡",
        {
            "platform": "weibo",
            "name": "燕麦咖啡微博",
            "config": {
                "base_url": url,
                "safe_domain": "example.com",
                "link_template": "https://www.example.com/p/{post_id}",
            },
            "credentials": {"access_token": WEIBO_TOKEN, "uid": WEIBO_UID},
        },
    )
    post = ok(
        await gateway.post(
            "/api/v1/posts",
            json={"title": "燕麦拿铁上新", "body_markdown": "# 燕麦拿铁\n\n今天上新。"},
            headers=owner,
        ),
        201,
    )
    ok(
        await gateway.post(
            f"/api/v1/posts/{post['id']}/publish",
            json={"channel_ids": [channel["id"]]},
            headers=owner,
        )
    )

    async def delivered() -> dict[str, Any] | None:
        items = await distributions(gateway, owner, post["id"])
        return items[0] if items and items[0]["status"] == "succeeded" else None

    sent = await eventually(delivered)
    fake.set_counts(sent["external_id"], reposts=12, comments=7, attitudes=85)
    asked = fake.add_comment(
        sent["external_id"], "燕麦拿铁有无糖的吗？", uid="1800000001", screen_name="小鱼"
    )
    fake.add_comment(sent["external_id"], "好喝！", uid="1800000002")
    fake.users[WEIBO_UID].followers_count = 3456

    triggered = await gateway.post(f"/api/v1/channels/{channel['id']}/sync", headers=owner)
    assert triggered.status_code == 202, triggered.text

    async def reported() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/reports/posts/{post['id']}", headers=owner)
        if response.status_code != 200:
            return None
        totals: dict[str, Any] = response.json()["totals"]
        return totals if totals.get("shares") == 12 else None

    totals = await eventually(reported)
    assert (totals["shares"], totals["comments"], totals["likes"]) == (12, 7, 85)

    status = ok(await gateway.get(f"/api/v1/channels/{channel['id']}/sync", headers=owner))
    assert status["last_error"] is None, status
    assert status["last_run_at"] is not None
    assert datetime.fromisoformat(status["next_run_at"]) > datetime.fromisoformat(
        status["last_run_at"]
    )

    # The readers' comments were pulled too: members, interactions, and the question in
    # the inbox, answered there as a reply under the status on Weibo.
    async def in_inbox() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = ok(await gateway.get("/api/v1/inbox", headers=owner))["items"]
        return items or None

    [item] = await eventually(in_inbox)
    assert item["interaction"]["text"] == "燕麦拿铁有无糖的吗？"
    assert item["interaction"]["post_id"] == post["id"]
    assert status["comments_last_run"] == 2
    answer = ok(
        await gateway.post(
            f"/api/v1/inbox/{item['id']}/answer",
            json={"text": "有的，门店可选无糖。"},
            headers=owner,
        ),
        202,
    )

    async def replied() -> dict[str, Any] | None:
        return next(
            (s for s in fake.sent if s["kind"] == "comment_reply" and s["cid"] == asked), None
        )

    reply = await eventually(replied)
    assert (reply["status_id"], reply["text"]) == (sent["external_id"], "有的，门店可选无糖。")
    assert answer["answer"]["status"] == "pending"
