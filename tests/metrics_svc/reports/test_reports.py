"""Reports: the benchmark verdict in words, curves, overview, best times, charts."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from tests.conftest import Signer
from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import NOW, peers_and_subject, send


async def test_post_report_compares_with_the_channel_median_in_words(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel, post = await peers_and_subject(client, seed, editor, 3000)
    response = await client.get(f"/api/v1/reports/posts/{post}", headers=editor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["title"] == "新品发布会回顾"
    assert report["totals"] == {"comments": 30, "conversions": 60, "likes": 150, "reads": 3000}
    assert report["engagement_rate"] == pytest.approx(0.06)
    assert report["conversion_rate"] == pytest.approx(0.02)
    bench = report["channels"][0]["benchmark"]
    assert bench["age_hours"] == 48
    assert bench["median"] == 6000
    assert bench["peers"] == 5
    assert bench["ratio"] == 0.5
    assert bench["percentile"] == 0
    assert bench["verdict"] == "underperforming"
    assert bench["reason"] == "reads 3,000 at 48 h against a median of 6,000: 0.5, underperforming"
    assert report["verdict"] == "underperforming"
    assert [p["value"] for p in report["curve"]] == [1200, 3000]
    assert report["curve"][0]["age_hours"] == 6


@pytest.mark.parametrize(("reads", "verdict"), [(6100, "on_par"), (9000, "outperforming")])
async def test_verdict_thresholds(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], reads: int, verdict: str
) -> None:
    _, post = await peers_and_subject(client, seed, editor, reads)
    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["verdict"] == verdict


async def test_another_workspace_gets_404(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], signer: Signer
) -> None:
    channel = await seed.channel()
    post = await seed.post([channel], NOW - timedelta(hours=5))
    await send(client, editor, [point("reads", 10, NOW - timedelta(hours=1), post_id=post)])
    stranger = signer.headers(roles=("owner",))
    response = await client.get(f"/api/v1/reports/posts/{post}", headers=stranger)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    chart = await client.get(f"/api/v1/reports/charts/posts/{post}.png", headers=stranger)
    assert chart.status_code == 404
    # and their figures cannot name our post either
    sent = await client.post(
        "/api/v1/stats",
        json={"points": [point("reads", 99, NOW - timedelta(hours=1), post_id=post)]},
        headers=stranger,
    )
    assert sent.status_code == 422
    assert (await client.get("/api/v1/reports/overview", headers=stranger)).json()["channels"] == []


async def test_overview_channels_and_top_posts(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    wechat = await seed.channel(name="公众号")
    weibo = await seed.channel(platform="weibo", name="微博")
    day1 = datetime.combine(NOW.date() - timedelta(days=3), datetime.min.time(), UTC)
    a = await seed.post([wechat], day1 + timedelta(hours=1), title="甲")
    b = await seed.post([weibo], day1 + timedelta(hours=2), title="乙")
    await send(
        client,
        editor,
        [
            point("reads", 100, day1 + timedelta(hours=5), post_id=a),
            point("reads", 300, day1 + timedelta(days=1, hours=5), post_id=a),
            point("likes", 10, day1 + timedelta(days=1, hours=5), post_id=a),
            point("reads", 50, day1 + timedelta(hours=6), post_id=b),
            point("followers", 1000, day1 + timedelta(hours=6), channel_id=wechat),
            point("followers", 1040, day1 + timedelta(days=1, hours=6), channel_id=wechat),
        ],
    )
    query = f"from={day1.date()}&to={(day1 + timedelta(days=1)).date()}"
    overview = (await client.get(f"/api/v1/reports/overview?{query}", headers=editor)).json()
    by_channel = {c["channel_id"]: c for c in overview["channels"]}
    assert [bk["reads"] for bk in by_channel[wechat]["buckets"]] == [100, 200]
    assert [bk["followers"] for bk in by_channel[wechat]["buckets"]] == [1000, 1040]
    assert [bk["followers_net"] for bk in by_channel[wechat]["buckets"]] == [0, 40]
    assert by_channel[wechat]["buckets"][1]["engagement"] == 10
    assert [bk["reads"] for bk in overview["totals"]] == [150, 200]
    weekly = (
        await client.get(f"/api/v1/reports/overview?{query}&interval=week", headers=editor)
    ).json()
    assert sum(bk["reads"] for bk in weekly["totals"]) == 350

    channels = (await client.get(f"/api/v1/reports/channels?{query}", headers=editor)).json()
    assert [(c["name"], c["reads"], c["posts"]) for c in channels["channels"]] == [
        ("公众号", 300, 1),
        ("微博", 50, 1),
    ]
    top = (await client.get("/api/v1/reports/top-posts?limit=1", headers=editor)).json()
    assert [p["title"] for p in top["items"]] == ["甲"]
    rest = (
        await client.get(
            f"/api/v1/reports/top-posts?limit=1&cursor={top['next_cursor']}", headers=editor
        )
    ).json()
    assert [p["title"] for p in rest["items"]] == ["乙"]
    assert rest["next_cursor"] is None
    for cursor in ("not-a-cursor", top["next_cursor"][:-2]):
        refused = await client.get(f"/api/v1/reports/top-posts?cursor={cursor}", headers=editor)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "cursor"

    csv = await client.get(f"/api/v1/reports/overview?{query}&format=csv", headers=editor)
    assert csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("start,channel_id,channel,platform,reads")
    assert "公众号" in text


async def test_best_times_answer_only_with_enough_data(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel()
    thin = await seed.channel(name="小号")
    # Beijing 08:00 on Tuesdays does better than 20:00 on Fridays, four posts each
    base = datetime(2000, 1, 1, tzinfo=UTC)
    points = []
    for week in range(1, 7):
        monday = datetime.combine(NOW.date(), datetime.min.time(), UTC) - timedelta(
            days=NOW.weekday() + 7 * week
        )
        for when, reads in (
            (monday + timedelta(days=1, hours=0), 8000),  # Tue 08:00 Beijing
            (monday + timedelta(days=4, hours=12), 2000),  # Fri 20:00 Beijing
        ):
            post = await seed.post([channel], when)
            points.append(point("reads", reads + week, when + timedelta(hours=40), post_id=post))
    for i in range(2):
        when = NOW - timedelta(days=10 + i)
        post = await seed.post([thin], when)
        points.append(point("reads", 100, when + timedelta(hours=40), post_id=post))
    await send(client, editor, points)
    assert base < NOW
    report = (await client.get("/api/v1/reports/best-times", headers=editor)).json()
    by_channel = {c["channel_id"]: c for c in report["channels"]}
    good = by_channel[channel]
    assert good["answer"] is True
    assert good["posts"] == 12
    assert (good["best"][0]["weekday"], good["best"][0]["hour"]) == (1, 8)
    assert good["best"][0]["posts"] == 6
    assert "Tuesday 08:00" in good["reason"]
    poor = by_channel[thin]
    assert poor["answer"] is False
    assert poor["best"] == []
    assert "only 2 post(s)" in poor["reason"]


async def test_charts_are_valid_svg_and_png(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    _, post = await peers_and_subject(client, seed, editor, 3000)
    for path in (
        f"/api/v1/reports/charts/posts/{post}",
        "/api/v1/reports/charts/overview",
        "/api/v1/reports/charts/channels",
    ):
        svg = await client.get(f"{path}.svg", headers=editor)
        assert svg.status_code == 200, svg.text
        assert svg.headers["content-type"] == "image/svg+xml"
        assert ET.fromstring(svg.content).tag.endswith("svg")
        png = await client.get(f"{path}.png", headers=editor)
        assert png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        image.verify()
        assert image.size == (900, 480)
