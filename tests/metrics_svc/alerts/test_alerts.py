"""Alerts: underperforming and stalled posts, follower drops, pages of alerts."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import NOW, peers_and_subject, send


async def test_alerts_for_underperforming_stalled_posts_and_follower_drops(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(name="公众号")
    for days_ago in (20, 15, 10):
        published = NOW - timedelta(days=days_ago)
        peer = await seed.post([channel], published)
        await send(
            client,
            editor,
            [
                point("reads", 1000, published + timedelta(hours=11), post_id=peer),
                point("reads", 2000, published + timedelta(hours=23), post_id=peer),
                point("reads", 2500, published + timedelta(hours=47), post_id=peer),
            ],
        )
    published = NOW - timedelta(hours=30)
    stalled = await seed.post([channel], published, title="被限流的文章")
    await send(
        client,
        editor,
        [
            point("reads", 1000, published + timedelta(hours=10), post_id=stalled),
            point("reads", 1500, published + timedelta(hours=16), post_id=stalled),
            point("reads", 1510, published + timedelta(hours=28), post_id=stalled),
            point("followers", 10000, NOW - timedelta(days=2), channel_id=channel),
            point("followers", 9700, NOW - timedelta(days=1), channel_id=channel),
        ],
    )
    response = await client.get("/api/v1/alerts", headers=editor)
    assert response.status_code == 200
    alerts = response.json()["items"]
    kinds = {a["kind"]: a for a in alerts}
    assert set(kinds) == {"stalled", "follower_drop"}
    stall = kinds["stalled"]
    assert stall["post_id"] == stalled
    assert stall["evidence"]["gained"] == 10
    assert stall["evidence"]["expected_gain"] > 500
    assert "throttled or hidden" in stall["message"]
    drop = kinds["follower_drop"]
    assert drop["evidence"]["change"] == -300
    assert "from 10,000 to 9,700" in drop["message"]
    page = (await client.get("/api/v1/alerts?limit=1", headers=editor)).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    url = f"/api/v1/alerts?limit=1&cursor={page['next_cursor']}"
    rest = (await client.get(url, headers=editor)).json()
    assert page["items"] + rest["items"] == alerts
    assert rest["next_cursor"] is None
    # a cursor of another list is refused, naming the parameter
    top = (await client.get("/api/v1/reports/top-posts?limit=1", headers=editor)).json()
    other = await client.get(f"/api/v1/alerts?cursor={top['next_cursor']}", headers=editor)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "cursor"


async def test_posts_without_peers_stall_against_their_own_previous_12_hours(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    # Three new posts on two channels, none with peers, all figures in one batch: each is
    # judged against its own growth in the 12 h before the last 12.
    published = NOW - timedelta(hours=30)
    first, second = await seed.channel(name="公众号"), await seed.channel(name="微博")
    stalled_here = await seed.post([first], published, title="停滞一")
    stalled_there = await seed.post([second], published, title="停滞二")
    growing = await seed.post([first], published, title="还在涨")
    points = []
    for post, channel, last in (
        (stalled_here, first, 1010),
        (stalled_there, second, 1050),
        (growing, first, 1400),
    ):
        points += [
            point("reads", 500, published + timedelta(hours=4), post_id=post, channel_id=channel),
            point("reads", 1000, published + timedelta(hours=16), post_id=post, channel_id=channel),
            point("reads", last, published + timedelta(hours=28), post_id=post, channel_id=channel),
        ]
    await send(client, editor, points)
    alerts = (await client.get("/api/v1/alerts?kind=stalled", headers=editor)).json()["items"]
    assert sorted((a["post_id"], a["evidence"]["gained"]) for a in alerts) == sorted(
        [(stalled_here, 10), (stalled_there, 50)]
    )
    for alert in alerts:
        assert alert["evidence"]["previous_window_gain"] == 500
        assert "where 500 were expected: it grew 500 in the 12 h before" in alert["message"]


async def test_underperforming_post_is_an_alert(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    _, post = await peers_and_subject(client, seed, editor, 3000)
    alerts = (await client.get("/api/v1/alerts?kind=underperforming", headers=editor)).json()
    assert [(a["post_id"], a["message"]) for a in alerts["items"]] == [
        (post, "reads 3,000 at 48 h against a median of 6,000: 0.5, underperforming")
    ]
