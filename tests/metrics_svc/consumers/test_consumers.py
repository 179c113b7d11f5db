"""Consumers keep local copies; a redelivered event changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from event_contracts import PostPublishedV1
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import Channel, InteractionCount, Post, PostChannel
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


async def test_a_post_sent_to_more_channels_keeps_its_first_publication_date(
    runtime: MetricsRuntime, seed: Seeder
) -> None:
    first = await seed.channel()
    later = await seed.channel(platform="xiaohongshu", name="品牌小红书")
    published_at = NOW - timedelta(days=3)
    post_id = await seed.post([first], published_at)
    async with runtime.db.transaction() as session:
        post = await session.get(Post, (seed.workspace_id, post_id))
        assert post is not None
        added = PostPublishedV1.model_validate(
            {**_snapshot(post, post_id, seed.workspace_id), "channel_ids": [later]}
        )
    await seed.apply("post.published", added, post_id)

    async with runtime.db.transaction() as session:
        post = await session.get(Post, (seed.workspace_id, post_id))
        rows = (await session.scalars(select(PostChannel).order_by(PostChannel.published_at))).all()
    assert post is not None
    assert post.published_at == published_at
    assert [(row.channel_id, row.published_at) for row in rows] == [
        (first, published_at),
        (later, NOW),
    ]


def _snapshot(post: Post, post_id: str, workspace_id: str) -> dict[str, object]:
    """The event content-svc writes when the post goes to more channels: same version,
    dated now."""
    return {
        "post_id": post_id,
        "workspace_id": workspace_id,
        "version": post.version,
        "title": post.title,
        "body_markdown": "正文",
        "body_html": "<p>正文</p>",
        "tags": list(post.tags),
        "keywords": list(post.keywords),
        "channel_ids": [],
        "author_id": "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
        "published_at": NOW,
    }


async def test_a_post_on_several_channels_records_each_copy_once_and_channels_not_yet_seen(
    runtime: MetricsRuntime, seed: Seeder
) -> None:
    known = await seed.channel(platform="weibo", name="官方微博")
    unseen = [str(uuid.uuid4()) for _ in range(2)]  # their channel.changed not here yet
    published_at = NOW - timedelta(days=1)
    post_id = await seed.post([known, *unseen], published_at)
    async with runtime.db.transaction() as session:
        post = await session.get(Post, (seed.workspace_id, post_id))
        assert post is not None
        again = PostPublishedV1.model_validate(
            {
                **_snapshot(post, post_id, seed.workspace_id),
                "channel_ids": [unseen[1], known],
                "published_at": published_at,
            }
        )
    await seed.apply("post.published", again, post_id)  # another event, the same copies

    async with runtime.db.transaction() as session:
        copies = (await session.scalars(select(PostChannel))).all()
        channels = {c.id: c for c in (await session.scalars(select(Channel))).all()}
    assert sorted(row.channel_id for row in copies) == sorted([known, *unseen])
    assert {row.published_at for row in copies} == {published_at}
    assert set(channels) == {known, *unseen}
    assert channels[known].platform == "weibo"  # a post names no platform: kept as it was
    assert [channels[c].platform for c in unseen] == [None, None]
