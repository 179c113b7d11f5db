"""Content insights: what works, by tag, keyword, title length, time and platform."""

from __future__ import annotations

import httpx
from metrics_svc.runtime import MetricsRuntime

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import DAY, HOUR, NOW, publish


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
