"""History: a new workspace imports its earlier posts' figures (API and CSV), and they are
the benchmark's peers on the first day; a manual copy completed later is dated when it
really went live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from event_contracts import DistributionSucceededV1
from metrics_svc.ingestion import service
from metrics_svc.models import Post, PostChannel, StatPoint
from metrics_svc.runtime import MetricsRuntime

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import count

NOW = datetime.now(UTC).replace(microsecond=0)
NOTE_URL = "https://www.xiaohongshu.com/explore/{}"
# Earlier notes: (days ago, reads at 1 h, 24 h, 48 h); the median at 48 h is 6,000.
EARLIER = [
    (80, 400, 4000, 5600),
    (60, 500, 4500, 6000),
    (40, 450, 4700, 6000),
    (20, 600, 5000, 6400),
]


def history(channel: str, *, titled: bool = True) -> list[dict[str, Any]]:
    points = []
    for days, *reads in EARLIER:
        published = NOW - timedelta(days=days)
        note = f"note-{days}"
        for hours, value in zip((1, 24, 48), reads, strict=True):
            extra: dict[str, Any] = {}
            if hours == 1:  # the first point of a note introduces it
                extra = {"published_at": published.isoformat()}
                if titled:
                    extra |= {"title": f"往期笔记 {days}", "url": NOTE_URL.format(note)}
            points.append(
                point(
                    "reads",
                    value,
                    published + timedelta(hours=hours),
                    channel_id=channel,
                    external_id=note,
                )
                | extra
            )
    return points


async def test_earlier_posts_are_recorded_once_and_named_by_their_platform_id_later(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel(platform="xiaohongshu", name="品牌小红书")
    body = {"points": history(channel)}
    first = await client.post("/api/v1/stats", json=body, headers=editor)
    assert first.status_code == 201, first.text
    recorded = first.json()["posts_recorded"]
    assert len(recorded) == 4
    assert all(post_id.startswith("hist_") for post_id in recorded)
    assert sorted(first.json()["post_ids"]) == sorted(recorded)

    again = await client.post("/api/v1/stats", json=body, headers=editor)
    assert again.status_code == 200, again.text
    assert again.json()["points_unchanged"] == 12
    assert again.json()["posts_recorded"] == []
    assert await count(runtime, Post) == 4
    assert await count(runtime, PostChannel) == 4

    # A week later, the note's figure names it by its id alone (or repeats its time).
    days = EARLIER[0][0]
    later = await client.post(
        "/api/v1/stats",
        json={
            "points": [
                point(
                    "likes",
                    300,
                    NOW - timedelta(days=days - 7),
                    channel_id=channel,
                    external_id=f"note-{days}",
                ),
                point(
                    "reads",
                    7000,
                    NOW - timedelta(days=days - 7),
                    channel_id=channel,
                    external_id=f"note-{days}",
                    published_at=(NOW - timedelta(days=days, seconds=30)).isoformat(),
                ),
            ]
        },
        headers=editor,
    )
    assert later.status_code == 201, later.text
    assert later.json()["posts_recorded"] == []
    [post_id] = later.json()["post_ids"]
    assert post_id in recorded

    report = (await client.get(f"/api/v1/reports/posts/{post_id}", headers=editor)).json()
    assert report["title"] == f"往期笔记 {days}"
    assert datetime.fromisoformat(report["published_at"]) == NOW - timedelta(days=days)
    [on_channel] = report["channels"]
    assert on_channel["external_id"] == f"note-{days}"
    assert on_channel["url"] == NOTE_URL.format(f"note-{days}")
    assert on_channel["platform"] == "xiaohongshu"
    assert on_channel["totals"] == {"likes": 300, "reads": 7000}
    top = (await client.get("/api/v1/reports/top-posts", headers=editor)).json()
    assert [(p["post_id"], p["title"]) for p in top["items"]][0] == (post_id, f"往期笔记 {days}")
    exported = await client.get("/api/v1/reports/top-posts?format=csv", headers=editor)
    assert f"往期笔记 {days}" in exported.text


async def test_a_new_post_is_judged_against_the_imported_history(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="xiaohongshu", name="品牌小红书")
    imported = await client.post("/api/v1/stats", json={"points": history(channel)}, headers=editor)
    assert imported.status_code == 201, imported.text
    published = NOW - timedelta(hours=49)
    post = await seed.post(
        [channel], published, title="燕麦拿铁", external_ids={channel: "note-new"}
    )
    sent = await client.post(
        "/api/v1/stats",
        json={
            "points": [
                point("reads", 300, published + timedelta(hours=1), post_id=post),
                point("reads", 3000, published + timedelta(hours=48), post_id=post),
            ]
        },
        headers=editor,
    )
    assert sent.status_code == 201, sent.text
    reason = "reads 3,000 at 48 h against a median of 6,000: 0.5, underperforming"
    assert sent.json()["post_totals"][0]["reason"] == reason

    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    bench = report["channels"][0]["benchmark"]
    assert (bench["peers"], bench["median"], bench["ratio"]) == (4, 6000, 0.5)
    assert report["verdict"] == "underperforming"
    assert report["reason"] == reason
    alerts = (await client.get("/api/v1/alerts", headers=editor)).json()["items"]
    flagged = [a for a in alerts if a["kind"] == "underperforming"]
    assert [(a["post_id"], a["title"], a["message"]) for a in flagged] == [
        (post, "燕麦拿铁", reason)
    ]
    best = (await client.get("/api/v1/reports/best-times", headers=editor)).json()
    [on_channel] = best["channels"]
    assert on_channel["posts"] == 5  # the earlier notes count in the sample


async def test_history_that_cannot_be_recorded_is_refused_naming_the_field(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel(platform="xiaohongshu")
    await seed.post([channel], NOW - timedelta(days=5), external_ids={channel: "known"})
    at = NOW - timedelta(days=2)
    day_before = (at - timedelta(days=1)).isoformat()
    bad = [
        # 0: a channel the workspace does not have
        point("reads", 1, at, channel_id="nope", external_id="a", published_at=day_before),
        # 1: published in the future
        point(
            "reads",
            1,
            at,
            channel_id=channel,
            external_id="b",
            published_at=(NOW + timedelta(days=1)).isoformat(),
        ),
        # 2: observed two days before it was published
        point(
            "reads",
            1,
            at - timedelta(days=3),
            channel_id=channel,
            external_id="c",
            published_at=day_before,
        ),
        # 3: a copy we know, said to have gone live at another time
        point("reads", 1, at, channel_id=channel, external_id="known", published_at=day_before),
        # 4: a copy we do not know, without its publication time
        point("reads", 1, at, channel_id=channel, external_id="d"),
        # 5: account figures have no publication time
        point("followers", 1, at, channel_id=channel, published_at=day_before),
        # 6: one note, two publication times in one batch
        point("reads", 1, at, channel_id=channel, external_id="e", published_at=day_before),
        point(
            "reads",
            2,
            at + timedelta(hours=1),
            channel_id=channel,
            external_id="e",
            published_at=(at - timedelta(days=2)).isoformat(),
        ),
    ]
    response = await client.post("/api/v1/stats", json={"points": bad}, headers=editor)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {
        "points.0.channel_id",
        "points.1.published_at",
        "points.2.observed_at",
        "points.3.published_at",
        "points.4.external_id",
        "points.5.published_at",
        "points.7.published_at",
    }
    assert "unknown channel" in errors["points.0.channel_id"]
    assert "future" in errors["points.1.published_at"]
    assert "before the post went live" in errors["points.2.observed_at"]
    assert "went live on the channel at" in errors["points.3.published_at"]
    assert "published_at" in errors["points.4.external_id"]
    assert await count(runtime, StatPoint) == 0
    assert await count(runtime, Post) == 1  # only the one content-svc published

    ancient = point("reads", 1, at, channel_id=channel, external_id="f") | {
        "published_at": "0001-01-01T00:00:00+08:00"
    }
    refused = await client.post("/api/v1/stats", json={"points": [ancient]}, headers=editor)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "points.0.published_at"

    naive = point("reads", 1, at, channel_id=channel, external_id="f") | {
        "published_at": "2025-03-16T20:30:00"
    }
    refused = await client.post("/api/v1/stats", json={"points": [naive]}, headers=editor)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "points.0.published_at"


async def test_csv_history_with_publication_times_and_titles(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel(platform="xiaohongshu", name="品牌小红书")
    first, second = NOW - timedelta(days=30), NOW - timedelta(days=10)

    def day(moment: datetime, days: int) -> str:
        return (moment + timedelta(days=days)).isoformat()

    rows = [
        "日期,channel_id,external_id,发布时间,标题,阅读量,点赞数",
        f"{day(first, 1)},{channel},n1,{first.isoformat()},秋季新品,5000,80",
        f"{day(first, 2)},{channel},n1,,,5600,90",
        f"{day(second, 1)},{channel},n2,{second.date()},,4000,60",
    ]
    text = "\n".join(rows) + "\n"
    headers = {**editor, "Content-Type": "text/csv"}
    bad = text + f"{NOW.isoformat()},{channel},n3,{(NOW + timedelta(days=1)).isoformat()},,1,1\n"
    bad += f"{NOW.isoformat()},{channel},n1,{second.isoformat()},,5700,95\n"
    dry = await client.post(
        "/api/v1/stats/import?dry_run=true", content=bad.encode("gb18030"), headers=headers
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["encoding"] == "gb18030"
    assert (report["rows"], report["valid_rows"], report["earlier_posts"]) == (5, 3, 2)
    assert {(p["line"], p["field"]) for p in report["problems"]} == {
        (5, "published_at"),
        (6, "published_at"),
    }
    refused = await client.post("/api/v1/stats/import", content=bad.encode(), headers=headers)
    assert refused.status_code == 422
    assert await count(runtime, Post) == 0

    stored = await client.post(
        "/api/v1/stats/import", content=text.encode("gb18030"), headers=headers
    )
    assert stored.status_code == 200, stored.text
    batch = stored.json()["batch"]
    assert batch["points_stored"] == 6
    assert len(batch["posts_recorded"]) == 2
    totals = {t["post_id"]: t["totals"] for t in batch["post_totals"]}
    assert sorted(totals.values(), key=lambda t: t["reads"]) == [
        {"likes": 60, "reads": 4000},
        {"likes": 90, "reads": 5600},
    ]
    for post_id in batch["posts_recorded"]:
        report = (await client.get(f"/api/v1/reports/posts/{post_id}", headers=editor)).json()
        went_live = datetime.fromisoformat(report["channels"][0]["published_at"])
        if report["title"] == "秋季新品":
            assert went_live == first
        else:  # a date alone is the start of that day
            assert report["title"] is None
            assert went_live == datetime.combine(second.date(), datetime.min.time(), UTC)

    again = await client.post("/api/v1/stats/import", content=text.encode(), headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["batch"]["batch_id"] is None
    assert again.json()["batch"]["points_unchanged"] == 6
    assert await count(runtime, Post) == 2


async def test_a_manual_copy_completed_later_counts_its_age_from_when_it_went_live(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    channel = await seed.channel(platform="xiaohongshu", name="品牌小红书")
    imported = await client.post("/api/v1/stats", json={"points": history(channel)}, headers=editor)
    assert imported.status_code == 201, imported.text
    released = NOW - timedelta(minutes=1)
    post = await seed.post([channel], released, title="燕麦拿铁")  # the package waits
    sent = await client.post(
        "/api/v1/stats",
        json={"points": [point("reads", 3000, NOW, post_id=post, channel_id=channel)]},
        headers=editor,
    )
    assert sent.status_code == 201, sent.text
    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["verdict"] is None  # a minute old

    # The operator says they posted it by hand two days ago.
    posted = NOW - timedelta(hours=48)
    await seed.apply(
        "distribution.succeeded",
        DistributionSucceededV1(
            distribution_id="d-1",
            post_id=post,
            channel_id=channel,
            workspace_id=seed.workspace_id,
            platform="xiaohongshu",
            external_id="note-new",
            url=NOTE_URL.format("note-new"),
            attempts=0,
            succeeded_at=NOW,
            published_at=posted,
        ),
        post,
    )
    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    [on_channel] = report["channels"]
    assert datetime.fromisoformat(on_channel["published_at"]) == posted
    assert on_channel["benchmark"]["age_hours"] == 48
    assert on_channel["benchmark"]["ratio"] == 0.5
    assert report["verdict"] == "underperforming"


async def test_a_distribution_without_a_publication_time_is_dated_when_it_succeeded(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="xiaohongshu")
    post_id = "post-first-seen-by-its-distribution"
    succeeded = NOW - timedelta(hours=3)
    await seed.apply(
        "distribution.succeeded",
        DistributionSucceededV1(
            distribution_id="d-2",
            post_id=post_id,
            channel_id=channel,
            workspace_id=seed.workspace_id,
            platform="xiaohongshu",
            external_id="n-9",
            attempts=0,
            succeeded_at=succeeded,
        ),
        post_id,
    )
    sent = await client.post(
        "/api/v1/stats",
        json={"points": [point("reads", 10, NOW, channel_id=channel, external_id="n-9")]},
        headers=editor,
    )
    assert sent.status_code == 201, sent.text
    report = (await client.get(f"/api/v1/reports/posts/{post_id}", headers=editor)).json()
    assert datetime.fromisoformat(report["channels"][0]["published_at"]) == succeeded


async def test_a_long_csv_names_a_note_by_its_id_after_the_row_that_dated_it(
    client: httpx.AsyncClient,
    seed: Seeder,
    editor: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "RESOLVE_EVERY", 2)  # rows are resolved two at a time
    channel = await seed.channel(platform="xiaohongshu")
    published = NOW - timedelta(days=9)
    lines = ["observed_at,channel_id,external_id,published_at,title,reads"]
    lines.append(f"{published + timedelta(hours=1)},{channel},n1,{published},长文件,100")
    lines += [f"{published + timedelta(days=d)},{channel},n1,,,{d * 1000}" for d in range(1, 6)]
    text = ("\n".join(lines) + "\n").replace(" ", "T")
    headers = {**editor, "Content-Type": "text/csv"}
    dry = await client.post("/api/v1/stats/import?dry_run=true", content=text, headers=headers)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["problems_total"], dry.json()["earlier_posts"]) == (0, 1)
    stored = await client.post("/api/v1/stats/import", content=text, headers=headers)
    assert stored.status_code == 200, stored.text
    batch = stored.json()["batch"]
    assert batch["points_stored"] == 6
    assert batch["post_ids"] == batch["posts_recorded"]
    assert batch["post_totals"][0]["totals"] == {"reads": 5000}
