"""Every post fits one post.published event: refused when written, never a stuck outbox.

A 200,000-character post used to make a 1.2 MB event that no Kafka producer sends; the
outbox relay then retried it for ever and no later event of the service left.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.kit.rendering import render_markdown
from content_svc.models import BODY_MAX, OutboxMessage, Post, PostChannel, PostTransition
from content_svc.posts.publishing import publish_due
from event_contracts import MAX_EVENT_BYTES, CloudEvent
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select, update

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library

POSTS = "/api/v1/posts"
# Markdown whose HTML is far larger than it: one 1,900-character link target, used by 300
# short reference links (each becomes an <a href="..."> with the whole URL).
LONG_URL = "https://example.com/" + "a" * 1900
AMPLIFIED = f"[r]: {LONG_URL}\n\n" + " ".join("[看][r]" for _ in range(300))


async def _count(runtime: ServiceRuntime, model: Any) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_longest_body_fits_an_event_and_one_character_more_is_refused(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(body_markdown="字" * BODY_MAX)
    assert len(post["body_markdown"]) == BODY_MAX
    channel = await known_channel(platform="wechat")
    published = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert published.status_code == 200, published.text
    async with runtime.db.transaction() as session:
        [row] = (await session.scalars(select(OutboxMessage))).all()
    assert len(row.value) <= MAX_EVENT_BYTES

    longer = await client.post(
        POSTS,
        json={"title": "太长", "body_markdown": "字" * (BODY_MAX + 1)},
        headers=workspace.headers("editor"),
    )
    assert longer.status_code == 422
    assert [e["field"] for e in longer.json()["errors"]] == ["body_markdown"]


async def test_a_post_whose_event_would_be_too_large_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
) -> None:
    assert len(AMPLIFIED) < BODY_MAX
    assert len(render_markdown(AMPLIFIED).encode()) > MAX_EVENT_BYTES
    refused = await client.post(
        POSTS,
        json={"title": "链接很多", "body_markdown": AMPLIFIED},
        headers=workspace.headers("editor"),
    )
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert [e["field"] for e in problem["errors"]] == ["body_markdown"]
    assert problem["max_event_bytes"] == MAX_EVENT_BYTES
    assert await _count(runtime, Post) == 0

    # An edit that would make it too large is refused the same way; the post stays as it was.
    post = await create_post(title="原稿", body_markdown="短短的正文")
    edit = await client.patch(
        f"{POSTS}/{post['id']}",
        json={"version": post["version"], "body_markdown": AMPLIFIED},
        headers=workspace.headers("editor"),
    )
    assert edit.status_code == 413, edit.text
    again = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("editor"))
    assert (again.json()["body_markdown"], again.json()["version"]) == ("短短的正文", 1)
    assert await _count(runtime, OutboxMessage) == 0


async def _made_too_large(runtime: ServiceRuntime, post_id: str) -> None:
    """What a post written under the old 200,000-character limit looks like."""
    body = "字" * 200_000
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(body_markdown=body, body_html=render_markdown(body))
        )


async def test_publishing_a_post_stored_too_large_is_refused_with_nothing_half_written(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post(title="旧稿件")
    await _made_too_large(runtime, post["id"])
    channel = await known_channel(platform="wechat")
    history_before = await _count(runtime, PostTransition)

    refused = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )

    assert refused.status_code == 413, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["body_markdown"]
    after = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers("editor"))
    assert (after.json()["status"], after.json()["channels"]) == ("draft", [])
    assert await _count(runtime, OutboxMessage) == 0
    assert await _count(runtime, PostChannel) == 0
    assert await _count(runtime, PostTransition) == history_before


async def test_a_scheduled_post_stored_too_large_goes_back_to_draft_and_the_others_publish(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    channel = await known_channel(platform="weibo")
    when = datetime.now(UTC) + timedelta(hours=1)
    posts = [await create_post(title=f"定时{n}") for n in range(2)]
    for post in posts:
        scheduled = await client.post(
            f"{POSTS}/{post['id']}/publish",
            json={"channel_ids": [channel], "scheduled_at": when.isoformat()},
            headers=workspace.headers("owner"),
        )
        assert scheduled.status_code == 200, scheduled.text
    too_large, fine = posts
    await _made_too_large(runtime, too_large["id"])

    async with runtime.db.transaction() as session:
        assert (
            await publish_due(session, media_library(runtime), now=when + timedelta(seconds=1)) == 1
        )

    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    published = [r for r in rows if r.topic == "post.published"]
    assert [CloudEvent.from_bytes(r.value).data["post_id"] for r in published] == [fine["id"]]
    # and the author hears that the scheduler sent the other one back
    [sent_back] = [r for r in rows if r.topic == "post.review.changed"]
    changed = CloudEvent.from_bytes(sent_back.value).data
    assert (changed["post_id"], changed["action"]) == (too_large["id"], "changes_requested")
    back = (await client.get(f"{POSTS}/{too_large['id']}", headers=workspace.headers())).json()
    assert (back["status"], back["scheduled_at"]) == ("draft", None)
    history = await client.get(f"{POSTS}/{too_large['id']}/history", headers=workspace.headers())
    last = history.json()["items"][-1]
    assert (last["actor_id"], last["action"]) == ("scheduler", "request-changes")
    assert "KiB" in last["comment"]
