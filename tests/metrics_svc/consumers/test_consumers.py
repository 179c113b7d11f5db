"""Consumers keep local copies; a redelivered event changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import InteractionCount, PostChannel
from metrics_svc.runtime import MetricsRuntime
from sqlalchemy import select

from tests.metrics_svc.conftest import Seeder, point

NOW = datetime.now(UTC).replace(microsecond=0)


async def test_redelivered_events_are_applied_once(
    runtime: MetricsRuntime, seed: Seeder, client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    channel = await seed.channel(platform="webhook", name="合作站")
    post = await seed.post([channel], NOW - timedelta(hours=5))
    sent = await seed.distributed(
        post, channel, "ext-1", NOW - timedelta(hours=5), platform="webhook"
    )
    assert await runtime.consumer.apply(sent, HANDLERS["distribution.succeeded"]) is False
    comment = seed.comment(post, platform="webhook")
    assert await runtime.consumer.apply(comment, HANDLERS["interaction.received"]) is True
    assert await runtime.consumer.apply(comment, HANDLERS["interaction.received"]) is False
    second = seed.comment(post, platform="webhook")
    assert await runtime.consumer.apply(second, HANDLERS["interaction.received"]) is True
    async with runtime.db.transaction() as session:
        counted = await session.scalar(select(InteractionCount.count))
        placed = await session.scalar(select(PostChannel).where(PostChannel.post_id == post))
    assert counted == 2
    assert placed is not None
    assert placed.external_id == "ext-1"
    # the platform reports no comments: the report counts the community's
    await client.post(
        "/api/v1/stats",
        json={"points": [point("reads", 40, NOW - timedelta(hours=1), post_id=post)]},
        headers=editor,
    )
    report = (await client.get(f"/api/v1/reports/posts/{post}", headers=editor)).json()
    assert report["channels"][0]["totals"]["comments"] == 2
    assert report["channels"][0]["comments_from_community"] is True
    assert report["totals"]["comments"] == 2
