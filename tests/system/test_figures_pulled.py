"""Figures pulled from a platform, through the gateway only, with every process real.

An owner connects a Weibo account (the fake) and publishes a post to it; readers repost,
comment and like it on the platform. The operator asks for a collection now: channel-svc
pulls the counts of our statuses and the account's followers, metrics-svc stores them
(`platform.figures.collected`), and the post's report shows them, with no `POST /stats`.
The collector's status says when it ran and when it runs next. The readers' comments came
in with the same run (`platform.comments.collected`): the question is in the inbox, and
the operator's answer reaches Weibo as a reply under the status.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.fakes.server import serve_in_thread
from tests.fakes.weibo import WeiboFake
from tests.fakes.weibo import create_app as create_weibo
from tests.system.conftest import eventually
from tests.system.week.api import add_channel, distributions, ok, sign_up_owner

WEIBO_UID = "2234567890"
WEIBO_TOKEN = "2.00figures-token-0123456789"


@pytest.fixture
def weibo() -> Iterator[tuple[WeiboFake, str]]:
    fake = WeiboFake(safe_domain="example.com")
    fake.add_user(WEIBO_UID, WEIBO_TOKEN)
    running = serve_in_thread(create_weibo(fake))
    yield fake, running.url
    running.stop()


async def test_weibo_figures_reach_the_post_report_without_any_pushed_figures(
    gateway: httpx.AsyncClient, weibo: tuple[WeiboFake, str]
) -> None:
    fake, url = weibo
    owner = await sign_up_owner(gateway, "燕麦咖啡")
    channel = await add_channel(
        gateway,
        owner,
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
