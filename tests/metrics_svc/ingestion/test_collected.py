"""Figures channel-svc pulled from a platform (`platform.figures.collected`) are stored as
`POST /stats` stores them: reports and benchmarks show them with nothing pushed, the same
figures pulled again change nothing, and a day's follower figures become running totals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from event_contracts import CloudEvent, FiguresCollectedV1
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import OutboxMessage
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import func, select

from tests.metrics_svc.conftest import Seeder

BEIJING = timedelta(hours=8)
TODAY = (datetime.now(UTC) + BEIJING).date()


def end_of(day: date) -> datetime:
    """The last second of a Beijing day, in UTC."""
    return (
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
        - BEIJING
        - timedelta(seconds=1)
    )


def collection(workspace_id: str, channel_id: str, figures: list[dict[str, Any]]) -> CloudEvent:
    payload = FiguresCollectedV1(
        collection_id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        channel_id=channel_id,
        platform="wechat",
        source="wechat_datacube",
        collected_at=datetime.now(UTC),
        figures=figures,
    )
    return CloudEvent.create(
        "platform.figures.collected", "/channel-svc", channel_id, workspace_id, payload
    )


async def stats_ingested(runtime: MetricsRuntime) -> int:
    async with runtime.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).where(OutboxMessage.topic == "stats.ingested")
        )
    return int(count or 0)


async def test_collected_figures_reach_reports_and_pulling_again_changes_nothing(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
) -> None:
    channel = await seed.channel(platform="wechat_oa")
    days = [TODAY - timedelta(days=n) for n in (3, 2, 1)]
    published_at = end_of(days[0]) - timedelta(hours=12)
    post = await seed.post([channel], published_at, external_ids={channel: "ARTICLE_1"})
    figures: list[dict[str, Any]] = []
    for n, day in enumerate(days):
        at = end_of(day).isoformat()
        figures += [
            {
                "metric": "int_page_read_count",
                "value": 1000 * (n + 1),
                "observed_at": at,
                "post_id": post,
                "external_id": "2247483921_1",
            },
            {
                "metric": "share_count",
                "value": 10 * (n + 1),
                "observed_at": at,
                "post_id": post,
                "external_id": "2247483921_1",
            },
            {"metric": "cumulate_user", "value": 500 + 5 * n, "observed_at": at},
            {"metric": "new_user", "value": 7, "observed_at": at, "daily": True},
            {"metric": "cancel_user", "value": 2, "observed_at": at, "daily": True},
        ]
    handler = HANDLERS["platform.figures.collected"]
    assert await runtime.consumer.apply(collection(workspace_id, channel, figures), handler)
    assert await stats_ingested(runtime) == 1

    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["totals"]["reads"] == 3000
    assert report["totals"]["shares"] == 30
    overview = (
        await client.get(
            "/api/v1/reports/overview",
            params={
                "from": (days[0] - timedelta(days=2)).isoformat(),
                "to": (TODAY + timedelta(days=1)).isoformat(),
                "channel_id": channel,
            },
            headers=editor,
        )
    ).json()
    [row] = overview["channels"]
    assert sum(b["follows_gained"] for b in row["buckets"]) == 21  # 7 a day, from the first
    assert sum(b["unfollows"] for b in row["buckets"]) == 6
    assert [b["followers"] for b in row["buckets"] if b["followers"] is not None][-1] == 510

    # The next collection pulls the same days again (a new event): nothing changes.
    again = collection(workspace_id, channel, figures)
    assert await runtime.consumer.apply(again, handler)
    assert await stats_ingested(runtime) == 1
    report_again = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report_again["totals"] == report["totals"]
    overview_again = (
        await client.get(
            "/api/v1/reports/overview",
            params={
                "from": (days[0] - timedelta(days=2)).isoformat(),
                "to": (TODAY + timedelta(days=1)).isoformat(),
                "channel_id": channel,
            },
            headers=editor,
        )
    ).json()
    assert overview_again == overview


async def test_figures_of_a_post_not_known_yet_are_left_out_not_the_collection(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
) -> None:
    channel = await seed.channel(platform="wechat_oa")
    at = end_of(TODAY - timedelta(days=1)).isoformat()
    figures = [
        {
            "metric": "int_page_read_count",
            "value": 50,
            "observed_at": at,
            "post_id": str(uuid.uuid4()),
        },
        {"metric": "cumulate_user", "value": 80, "observed_at": at},
    ]
    event = collection(workspace_id, channel, figures)
    assert await runtime.consumer.apply(event, HANDLERS["platform.figures.collected"])
    assert await stats_ingested(runtime) == 1  # the followers were stored


async def test_copies_confirmed_after_the_day_they_went_out_are_dated_by_the_platform(
    runtime: MetricsRuntime,
    seed: Seeder,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
) -> None:
    """WeChat says which day each article went out (`ref_date`); copies whose success we
    recorded only now count their ages from that day, so they are compared at their age."""
    channel = await seed.channel(platform="wechat_oa")
    now = datetime.now(UTC)
    went_out = {TODAY - timedelta(days=n): 6000 for n in (8, 7, 6)}
    went_out[TODAY - timedelta(days=4)] = 3000
    posts = {day: await seed.post([channel], now) for day in went_out}
    figures: list[dict[str, Any]] = []
    for day, reads in went_out.items():
        start = end_of(day - timedelta(days=1)) + timedelta(seconds=1)
        figures += [
            {
                "metric": "int_page_read_count",
                "value": reads,
                "observed_at": end_of(day + timedelta(days=n)).isoformat(),
                "post_id": posts[day],
                "went_out_day_start": start.isoformat(),
            }
            for n in range(3)
        ]
    handler = HANDLERS["platform.figures.collected"]
    assert await runtime.consumer.apply(collection(workspace_id, channel, figures), handler)

    subject = TODAY - timedelta(days=4)
    report = (await client.get(f"/api/v1/reports/posts/{posts[subject]}", headers=editor)).json()
    [placement] = report["channels"]
    published = datetime.fromisoformat(placement["published_at"])
    assert published == end_of(subject - timedelta(days=1)) + timedelta(seconds=1)
    benchmark = placement["benchmark"]
    assert (benchmark["value"], benchmark["median"], benchmark["peers"]) == (3000, 6000, 3)
    assert benchmark["verdict"] == "underperforming", benchmark
