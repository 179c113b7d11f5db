"""Sentiment in metrics-svc: learned once from interaction.received, counted per post and
channel in the reports, and a `negative_spike` alert when a post's comments turn."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from event_contracts import CloudEvent, InteractionReceivedV1
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import InteractionSentiment
from metrics_svc.runtime import MetricsRuntime

from tests.conftest import Signer
from tests.metrics_svc.conftest import Seeder
from tests.metrics_svc.helpers import NOW, count

HOUR = timedelta(hours=1)


def said(
    seed: Seeder, post_id: str, sentiment: str | None, at: datetime, platform: str = "wechat"
) -> CloudEvent:
    return CloudEvent.create(
        "interaction.received",
        "/test",
        post_id,
        seed.workspace_id,
        InteractionReceivedV1(
            interaction_id=str(uuid.uuid4()),
            workspace_id=seed.workspace_id,
            member_id=str(uuid.uuid4()),
            platform=platform,
            kind="comment",
            text=None if sentiment is None else f"a {sentiment} comment",
            post_id=post_id,
            external_id=uuid.uuid4().hex,
            is_question=False,
            occurred_at=at,
            sentiment=sentiment,
        ),
    )


async def comments(
    seed: Seeder, post_id: str, at: datetime, *, negative: int, other: int, **kw: Any
) -> None:
    for index in range(negative + other):
        sentiment = "negative" if index < negative else ("positive", "neutral")[index % 2]
        moment = at + timedelta(seconds=index)
        applied = await seed.runtime.consumer.apply(
            said(seed, post_id, sentiment, moment, **kw), HANDLERS["interaction.received"]
        )
        assert applied


async def spikes(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/alerts", params={"kind": "negative_spike"}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_sentiment_is_kept_once_and_text_less_interactions_are_not(
    runtime: MetricsRuntime, seed: Seeder
) -> None:
    channel = await seed.channel(platform="wechat_oa")
    post = await seed.post([channel], NOW - 5 * HOUR)
    event = said(seed, post, "negative", NOW - HOUR)
    assert await runtime.consumer.apply(event, HANDLERS["interaction.received"]) is True
    assert await runtime.consumer.apply(event, HANDLERS["interaction.received"]) is False
    like = said(seed, post, None, NOW - HOUR)
    assert await runtime.consumer.apply(like, HANDLERS["interaction.received"]) is True
    assert await count(runtime, InteractionSentiment) == 1


async def test_a_spike_of_negative_comments_alerts_but_a_steady_negative_post_does_not(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="wechat_oa", name="品牌公众号")
    turned = await seed.post([channel], NOW - 3 * 24 * HOUR, title="涨价通知")
    await seed.distributed(turned, channel, "ext-1", NOW - 3 * 24 * HOUR, platform="wechat_oa")
    steady = await seed.post([channel], NOW - 3 * 24 * HOUR, title="一直有争议")
    # before the window: the first post drew praise, the second was always half negative
    await comments(seed, turned, NOW - 48 * HOUR, negative=1, other=19)
    await comments(seed, steady, NOW - 48 * HOUR, negative=10, other=10)
    # the last 6 hours: the first turns (8 of 12 negative), the second stays as it was
    await comments(seed, turned, NOW - 2 * HOUR, negative=8, other=4)
    await comments(seed, steady, NOW - 2 * HOUR, negative=6, other=6)

    found = await spikes(client, editor)
    assert [(a["post_id"], a["channel_id"], a["title"]) for a in found] == [
        (turned, channel, "涨价通知")
    ]
    evidence = found[0]["evidence"]
    assert (evidence["negative"], evidence["interactions"]) == (8, 12)
    assert evidence["baseline"] == "post"
    assert evidence["baseline_negative_share"] == 0.05
    assert "8 of 12" in found[0]["message"]


async def test_too_few_comments_do_not_alert_and_a_new_post_is_judged_on_the_workspace(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="weibo", name="微博")
    older = await seed.post([channel], NOW - 10 * 24 * HOUR)
    await comments(seed, older, NOW - 9 * 24 * HOUR, negative=2, other=38, platform="weibo")
    few = await seed.post([channel], NOW - 3 * HOUR)
    await comments(seed, few, NOW - 2 * HOUR, negative=5, other=4, platform="weibo")
    assert await spikes(client, editor) == []

    fresh = await seed.post([channel], NOW - 3 * HOUR, title="新文章")
    await comments(seed, fresh, NOW - 2 * HOUR, negative=6, other=6, platform="weibo")
    [alert] = await spikes(client, editor)
    assert alert["post_id"] == fresh
    assert alert["evidence"]["baseline"] == "workspace"
    assert alert["evidence"]["baseline_negative_share"] == 0.05


async def test_reports_count_sentiment_per_post_and_channel_within_the_workspace(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], signer: Signer
) -> None:
    wechat = await seed.channel(platform="wechat_oa", name="公众号")
    weibo = await seed.channel(platform="weibo", name="微博")
    post = await seed.post([wechat, weibo], NOW - 24 * HOUR)
    await seed.distributed(post, wechat, "w-1", NOW - 24 * HOUR, platform="wechat_oa")
    await seed.distributed(post, weibo, "b-1", NOW - 24 * HOUR, platform="weibo")
    await comments(seed, post, NOW - 5 * HOUR, negative=1, other=3)  # on wechat
    await comments(seed, post, NOW - 5 * HOUR, negative=2, other=0, platform="weibo")

    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["sentiment"] == {
        "positive": 1,
        "neutral": 2,
        "negative": 3,
        "negative_share": 0.5,
    }
    per_channel = {c["channel_id"]: c["sentiment"] for c in report["channels"]}
    assert per_channel[wechat] == {
        "positive": 1,
        "neutral": 2,
        "negative": 1,
        "negative_share": 0.25,
    }
    assert per_channel[weibo]["negative"] == 2
    assert per_channel[weibo]["positive"] == 0

    channels = (await client.get("/api/v1/reports/channels", headers=editor)).json()
    by_channel = {c["channel_id"]: c["sentiment"] for c in channels["channels"]}
    assert by_channel[wechat]["negative"] == 1
    assert by_channel[weibo]["negative"] == 2
    csv = await client.get("/api/v1/reports/channels", params={"format": "csv"}, headers=editor)
    assert "negative_share" in csv.text.splitlines()[0]

    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("editor",))
    theirs = (await client.get("/api/v1/reports/channels", headers=stranger)).json()
    assert all(c["sentiment"]["negative"] == 0 for c in theirs["channels"])
    assert (await client.get(f"/api/v1/reports/posts/{post}", headers=stranger)).status_code == 404
    assert await spikes(client, stranger) == []
