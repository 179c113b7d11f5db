"""Helpers of the metrics-svc tests: the events of campaigns and tracked links, figures
sent through the API, counts of stored rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from event_contracts import CampaignChangedV1, LinkClickedV1, LinkCreatedV1
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import func, select

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
    return await seed.post(
        [channel_id],
        at,
        title=title,
        tags=tags or [],
        keywords=keywords or [],
        campaign_id=campaign_id,
    )


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


async def count(runtime: MetricsRuntime, model: type) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def send(
    client: httpx.AsyncClient, headers: dict[str, str], points: list[dict[str, Any]]
) -> None:
    response = await client.post("/api/v1/stats", json={"points": points}, headers=headers)
    assert response.status_code in (200, 201), response.text


async def peers_and_subject(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], subject_reads: int
) -> tuple[str, str]:
    channel = await seed.channel(name="品牌公众号")
    for days_ago, reads in ((20, 5000), (18, 6000), (15, 6000), (12, 7000), (10, 6500)):
        published = NOW - timedelta(days=days_ago)
        peer = await seed.post([channel], published, title=f"往期 {days_ago}")
        await send(
            client, editor, [point("reads", reads, published + timedelta(hours=47), post_id=peer)]
        )
    published = NOW - timedelta(hours=50)
    post = await seed.post([channel], published, title="新品发布会回顾")
    await send(
        client,
        editor,
        [
            point("reads", 1200, published + timedelta(hours=6), post_id=post),
            point("reads", subject_reads, published + timedelta(hours=47), post_id=post),
            point("likes", 150, published + timedelta(hours=47), post_id=post),
            point("comments", 30, published + timedelta(hours=47), post_id=post),
            point("conversions", 60, published + timedelta(hours=47), post_id=post),
        ],
    )
    return channel, post
