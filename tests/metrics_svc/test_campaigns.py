"""Activity operation: campaigns, tracked-link clicks, conversions, campaign reports,
content insights and campaigns behind their goal curve."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from event_contracts import (
    CampaignChangedV1,
    LinkClickedV1,
    LinkCreatedV1,
    PostPublishedV1,
)
from metrics_svc.models import Series, StatPoint
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import select

from tests.conftest import Signer
from tests.metrics_svc.conftest import Seeder, point

NOW = datetime.now(UTC).replace(microsecond=0)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0)


def day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0)


async def publish(
    seed: Seeder,
    channel_id: str,
    at: datetime,
    *,
    title: str = "新品测评",
    tags: list[str] | None = None,
    keywords: list[str] | None = None,
    campaign_id: str | None = None,
) -> str:
    post_id = str(uuid.uuid4())
    await seed.apply(
        "post.published",
        PostPublishedV1(
            post_id=post_id,
            workspace_id=seed.workspace_id,
            version=1,
            title=title,
            body_markdown="正文",
            body_html="<p>正文</p>",
            tags=tags or [],
            keywords=keywords or [],
            channel_ids=[channel_id],
            author_id="author",
            published_at=at,
            campaign_id=campaign_id,
        ),
        post_id,
    )
    return post_id


async def campaign(
    seed: Seeder,
    *,
    starts_at: datetime,
    ends_at: datetime,
    goals: dict[str, float],
    post_ids: list[str] = [],  # noqa: B006
    channel_ids: list[str] = [],  # noqa: B006
    name: str = "双十一大促",
    objective: str = "conversions",
    tags: list[str] | None = None,
    budget: float | None = None,
    status: str = "running",
    campaign_id: str | None = None,
    changed_at: datetime = NOW,
) -> str:
    campaign_id = campaign_id or str(uuid.uuid4())
    await seed.apply(
        "campaign.changed",
        CampaignChangedV1(
            campaign_id=campaign_id,
            workspace_id=seed.workspace_id,
            name=name,
            objective=objective,
            goals=goals,
            starts_at=starts_at,
            ends_at=ends_at,
            channel_ids=channel_ids,
            post_ids=post_ids,
            budget=budget,
            tags=tags or ["促销"],
            status=status,
            deleted=False,
            changed_at=changed_at,
        ),
        campaign_id,
    )
    return campaign_id


async def link(seed: Seeder, post_id: str, channel_id: str, campaign_id: str | None) -> str:
    code = uuid.uuid4().hex[:8]
    await seed.apply(
        "link.created",
        LinkCreatedV1(
            code=code,
            workspace_id=seed.workspace_id,
            post_id=post_id,
            channel_id=channel_id,
            platform="wechat",
            campaign_id=campaign_id,
            target_url="https://shop.example.com/item/1",
            created_at=NOW - DAY,
        ),
        code,
    )
    return code


async def click(
    seed: Seeder, code: str, post_id: str, channel_id: str, at: datetime, click_id: str = ""
) -> None:
    click_id = click_id or str(uuid.uuid4())
    await seed.apply(
        "link.clicked",
        LinkClickedV1(
            click_id=click_id,
            code=code,
            workspace_id=seed.workspace_id,
            post_id=post_id,
            channel_id=channel_id,
            platform="wechat",
            clicked_at=at,
        ),
        click_id,
    )


def conversion(**fields: Any) -> dict[str, Any]:
    return {"kind": "order", "value": 99.5, "occurred_at": (NOW - HOUR).isoformat()} | fields


async def test_clicks_and_conversions_become_figures(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
) -> None:
    channel = await seed.channel(name="品牌公众号")
    campaign_id = await campaign(
        seed, starts_at=NOW - 3 * DAY, ends_at=NOW + 3 * DAY, goals={"conversions": 10}
    )
    post = await publish(seed, channel, NOW - DAY, campaign_id=campaign_id)
    code = await link(seed, post, channel, campaign_id)
    three, one, five = hour_of(NOW - 3 * HOUR), hour_of(NOW - HOUR), hour_of(NOW - 5 * HOUR)
    await click(seed, code, post, channel, three + timedelta(minutes=10))
    await click(seed, code, post, channel, three + timedelta(minutes=20), click_id="c-2")
    await click(seed, code, post, channel, one + timedelta(minutes=5))
    # the same click sent again under another event id counts once
    await click(seed, code, post, channel, three + timedelta(minutes=20), click_id="c-2")
    # a late click, hours before the newest: every later cumulative point grows by one
    await click(seed, code, post, channel, five + timedelta(minutes=1))
    async with runtime.db.transaction() as session:
        series = await session.scalar(select(Series).where(Series.metric == "clicks"))
        assert series is not None
        points = (
            await session.execute(
                select(StatPoint.observed_at, StatPoint.value)
                .where(StatPoint.series_id == series.id)
                .order_by(StatPoint.observed_at)
            )
        ).all()
    assert [(at, value) for at, value in points] == [(five, 1), (three, 3), (one, 4)]

    # conversions: by code, idempotent by conversion_id
    body = conversion(code=code, conversion_id="order-1")
    first = await client.post("/api/v1/conversions", json=body, headers=editor)
    assert first.status_code == 201, first.text
    assert first.json()["post_id"] == post
    assert first.json()["campaign_id"] == campaign_id
    again = await client.post("/api/v1/conversions", json=body, headers=editor)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = await client.post("/api/v1/conversions", json=body | {"value": 5}, headers=editor)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "conversion_id"

    # bad input names the field
    for bad, field in (
        (conversion(code="nope"), "code"),
        (conversion(code=code, occurred_at=(NOW + DAY).isoformat()), "occurred_at"),
        (conversion(code=code, value=-1), "value"),
        (conversion(), "code"),
        (conversion(utm_medium="品牌公众号", utm_campaign="没有这个活动"), "utm_campaign"),
    ):
        response = await client.post("/api/v1/conversions", json=bad, headers=editor)
        assert response.status_code == 422, bad
        assert field in [e["field"].split(".")[-1] for e in response.json()["errors"]], (
            response.json()
        )

    # an API key with conversions:write, attributed by UTM (channel name, campaign name)
    key = signer.token(workspace_id=workspace_id, roles=(), scopes=["conversions:write"])
    by_utm = await client.post(
        "/api/v1/conversions",
        json=conversion(
            kind="sign_up",
            value=0,
            utm_source="wechat",
            utm_medium="品牌公众号",
            utm_campaign="双十一大促",
        ),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert by_utm.status_code == 201, by_utm.text
    assert by_utm.json()["channel_id"] == channel
    assert by_utm.json()["campaign_id"] == campaign_id
    assert by_utm.json()["attributed_by"] == "utm"
    reader = signer.token(workspace_id=workspace_id, roles=(), scopes=["stats:read"])
    refused = await client.post(
        "/api/v1/conversions",
        json=conversion(code=code),
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert refused.status_code == 403

    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["totals"]["clicks"] == 4
    assert report["totals"]["conversions"] == 1
    assert report["conversion_value"] == {"CNY": 99.5}
    assert report["click_conversion_rate"] == 0.25
    assert report["campaign_ids"] == [campaign_id]
    channels = (await client.get("/api/v1/reports/channels", headers=editor)).json()
    row = channels["channels"][0]
    assert (row["clicks"], row["conversions"]) == (4, 2)  # the UTM one has no post
    assert row["conversion_value"] == {"CNY": 99.5}
    report = (await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=editor)).json()
    assert report["totals"]["clicks"] == 4
    assert report["totals"]["conversions"] == 2
    assert report["conversion_value"] == {"CNY": 99.5}


async def test_campaign_report_goals_projection_costs_comparison_and_alert(
    seed: Seeder, client: httpx.AsyncClient, editor: dict[str, str], signer: Signer
) -> None:
    channel = await seed.channel(name="品牌公众号")
    starts = day_of(NOW) - 10 * DAY
    post = await publish(seed, channel, starts + HOUR, title="大促预热")
    campaign_id = await campaign(
        seed,
        starts_at=starts,
        ends_at=starts + 20 * DAY,
        goals={"reads": 10_000, "follows_gained": 100, "conversions": 10},
        post_ids=[post],
        channel_ids=[channel],
        budget=3000,
        objective="followers",
        tags=["促销", "双十一"],
    )
    points = [point("follows_gained", 0, starts - DAY, channel_id=channel)]
    for d in range(10):
        at = starts + d * DAY
        points.append(point("reads", 200 * (d + 1), at + 2 * HOUR, post_id=post))
        points.append(point("follows_gained", 10 * (d + 1), at + 3 * HOUR, channel_id=channel))
    sent = await client.post("/api/v1/stats", json={"points": points}, headers=editor)
    assert sent.status_code == 201, sent.text
    code = await link(seed, post, channel, campaign_id)
    for n in range(2):
        answer = await client.post(
            "/api/v1/conversions",
            json=conversion(code=code, value=50, occurred_at=(starts + (n + 1) * DAY).isoformat()),
            headers=editor,
        )
        assert answer.status_code == 201, answer.text

    response = await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=editor)
    assert response.status_code == 200, response.text
    report = response.json()
    goals = {g["metric"]: g for g in report["goals"]}
    reads = goals["reads"]
    assert reads["achieved"] == 2000
    assert len(reads["days"]) == 11
    assert [d["value"] for d in reads["days"][:3]] == [200, 400, 600]
    assert reads["days"][-1]["value"] == 2000
    assert reads["expected_now"] == pytest.approx(10_000 * report["elapsed_share"], abs=1)
    assert reads["status"] == "behind"
    assert reads["projection_method"].startswith("linear: the mean daily gain of the last 7")
    assert 3400 < reads["projection"] < 4100
    assert goals["follows_gained"]["achieved"] == 100
    assert goals["follows_gained"]["status"] == "achieved"
    assert goals["conversions"]["achieved"] == 2
    assert report["costs"] == {
        "budget": 3000,
        "currency": "CNY",
        "per_follower": 30,
        "per_conversion": 1500,
        "per_click": None,
    }
    assert report["channels"][0]["totals"]["follows_gained"] == 100
    assert report["posts"][0]["post_id"] == post
    assert report["posts"][0]["totals"]["reads"] == 2000
    assert report["posts"][0]["conversion_value"] == {"CNY": 100.0}
    csv_text = (
        await client.get(f"/api/v1/reports/campaigns/{campaign_id}?format=csv", headers=editor)
    ).text
    assert "goal_day" in csv_text
    assert "大促预热" in csv_text

    # another workspace's campaign is not there
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("editor",))
    missing = await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=stranger)
    assert missing.status_code == 404

    # behind the goal curve: an alert with the evidence
    alerts = (await client.get("/api/v1/alerts?kind=campaign_behind", headers=editor)).json()
    assert [a["evidence"]["metric"] for a in alerts["items"]] == ["conversions", "reads"]
    behind = alerts["items"][1]
    assert behind["campaign_id"] == campaign_id
    assert behind["message"].startswith("双十一大促: reads 2,000 of the goal 10,000")
    assert behind["evidence"]["pace"] < 0.8

    # side by side, and similar past campaigns
    past = await campaign(
        seed,
        name="618 大促",
        starts_at=starts - 200 * DAY,
        ends_at=starts - 180 * DAY,
        goals={"follows_gained": 500},
        objective="followers",
        tags=["促销"],
        status="finished",
    )
    await campaign(
        seed,
        name="品牌周",
        starts_at=starts - 100 * DAY,
        ends_at=starts - 90 * DAY,
        goals={"reads": 1},
        objective="awareness",
        status="finished",
    )
    similar = (
        await client.get(f"/api/v1/reports/campaigns?similar_to={campaign_id}", headers=editor)
    ).json()
    assert [c["campaign_id"] for c in similar["campaigns"]] == [past]
    everything = (await client.get("/api/v1/reports/campaigns", headers=editor)).json()
    assert [c["name"] for c in everything["campaigns"]] == ["双十一大促", "品牌周", "618 大促"]
    current = everything["campaigns"][0]
    assert current["goals"]["follows_gained"] == {"goal": 100, "achieved": 100, "share": 1.0}
    assert current["costs"]["per_follower"] == 30
    objective = (
        await client.get("/api/v1/reports/campaigns?objective=awareness", headers=editor)
    ).json()
    assert [c["name"] for c in objective["campaigns"]] == ["品牌周"]
    csv_text = (await client.get("/api/v1/reports/campaigns?format=csv", headers=editor)).text
    assert csv_text.count("\n") == 4


async def test_content_insights_say_what_works(
    seed: Seeder, client: httpx.AsyncClient, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel(name="品牌公众号")
    points = []
    for n in range(8):
        published = NOW - (5 + n) * DAY
        reviewed = n % 2 == 0
        post = await publish(
            seed,
            channel,
            published,
            title="深度测评：新品值不值得买" if reviewed else "日常",
            tags=["测评"] if reviewed else ["日常"],
            keywords=["新品"] if reviewed else [],
        )
        reads = 9000 if reviewed else 3000
        points.append(point("reads", reads, published + 47 * HOUR, post_id=post))
    sent = await client.post("/api/v1/stats", json={"points": points}, headers=editor)
    assert sent.status_code == 201, sent.text
    response = await client.get("/api/v1/reports/content-insights", headers=editor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["posts"] == 8
    assert "posts tagged 测评 get 1.5× the median reads (n=4)" in report["summary"]
    assert "posts tagged 日常 get 0.5× the median reads (n=4)" in report["summary"]
    dimensions = {d["dimension"]: d["groups"] for d in report["dimensions"]}
    assert set(dimensions) == {
        "tag",
        "keyword",
        "title_length",
        "weekday",
        "hour",
        "weekday_hour",
        "platform",
    }
    tag = {g["key"]: g for g in dimensions["tag"]}
    assert tag["测评"]["posts"] == 4
    assert tag["测评"]["median_value"] == 9000
    assert len(tag["测评"]["post_ids"]) == 4
    lengths = {g["key"]: g["posts"] for g in dimensions["title_length"]}
    assert lengths == {"≤10": 4, "11–20": 4}
    assert dimensions["platform"][0]["key"] == "wechat"
    assert dimensions["platform"][0]["posts"] == 8
    csv_text = (
        await client.get("/api/v1/reports/content-insights?format=csv", headers=editor)
    ).text
    assert "测评" in csv_text
    bad = await client.get("/api/v1/reports/content-insights?age_hours=5", headers=editor)
    assert bad.status_code == 422


async def test_campaign_changes_apply_newest_first(
    runtime: MetricsRuntime, seed: Seeder, client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    post = await publish(seed, channel, NOW - DAY)
    campaign_id = await campaign(
        seed,
        starts_at=NOW - DAY,
        ends_at=NOW + DAY,
        goals={"reads": 1},
        post_ids=[post],
        changed_at=NOW,
    )
    # an older change arriving late changes nothing
    await campaign(
        seed,
        name="旧名字",
        starts_at=NOW - DAY,
        ends_at=NOW + DAY,
        goals={"reads": 1},
        campaign_id=campaign_id,
        changed_at=NOW - HOUR,
    )
    report = (await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=editor)).json()
    assert report["name"] == "双十一大促"
    assert [p["post_id"] for p in report["posts"]] == [post]
    # the campaign's newest list drops the post
    await campaign(
        seed,
        starts_at=NOW - DAY,
        ends_at=NOW + DAY,
        goals={"reads": 1},
        campaign_id=campaign_id,
        changed_at=NOW + HOUR,
    )
    report = (await client.get(f"/api/v1/reports/campaigns/{campaign_id}", headers=editor)).json()
    assert report["posts"] == []
