"""A recurring post's later occurrence (`post.published` with `occurrence` n > 0) is the
same post: its first publication time, from which ages are measured, stays."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from event_contracts import PostPublishedV1
from metrics_svc.models import Post
from metrics_svc.runtime import MetricsRuntime

from tests.metrics_svc.conftest import Seeder


async def test_a_later_occurrence_keeps_the_first_publication_time(
    runtime: MetricsRuntime, seed: Seeder, workspace_id: str
) -> None:
    channel = await seed.channel()
    first = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    post_id = await seed.post([channel], first)
    await seed.apply(
        "post.published",
        PostPublishedV1(
            post_id=post_id,
            workspace_id=workspace_id,
            version=1,
            title="新品发布",
            body_markdown="正文",
            body_html="<p>正文</p>",
            tags=["新品"],
            keywords=["发布"],
            channel_ids=[channel],
            author_id=str(uuid.uuid4()),
            published_at=first + timedelta(days=30),
            occurrence=1,
        ),
        post_id,
    )
    async with runtime.db.transaction() as session:
        post = await session.get(Post, (workspace_id, post_id))
    assert post is not None
    assert post.published_at == first
