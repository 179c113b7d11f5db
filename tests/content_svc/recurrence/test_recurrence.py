"""Recurring posts: an evergreen post goes out again every N days until a day, each
occurrence a `post.published` of its own (numbered), never twice; stopping ends it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from content_svc.models import OutboxMessage
from content_svc.recurrence.service import release_due
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library

POSTS = "/api/v1/posts"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _published_events(runtime: ServiceRuntime) -> list[PostPublishedV1]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    return [p for p in payloads if isinstance(p, PostPublishedV1)]


async def _release(runtime: ServiceRuntime, now: datetime) -> int:
    async with runtime.db.transaction() as session:
        return await release_due(session, media_library(runtime), now=now)


@pytest.fixture
async def published_post(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> dict[str, object]:
    post = await create_post(title="新手指南（常青）")
    channel = await known_channel(platform="weibo")
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel]},
        headers=workspace.headers("owner"),
    )
    assert response.status_code == 200, response.text
    published: dict[str, object] = response.json()
    return published


def _until(days: int) -> str:
    return (datetime.now(SHANGHAI).date() + timedelta(days=days)).isoformat()


async def _recur(
    client: httpx.AsyncClient,
    workspace: Workspace,
    post: dict[str, object],
    every_days: int,
    until_days: int,
) -> tuple[str, datetime, dict[str, Any]]:
    """The post made to recur: its id, its publication time and the recurrence read."""
    response = await client.put(
        f"{POSTS}/{post['id']}/recurrence",
        json={"every_days": every_days, "until": _until(until_days)},
        headers=workspace.headers("editor"),
    )
    assert response.status_code == 200, response.text
    first_at = datetime.fromisoformat(str(post["published_at"]))
    return str(post["id"]), first_at, response.json()


async def test_each_occurrence_goes_out_once_as_its_own_numbered_publication(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published_post: dict[str, object],
) -> None:
    post_id, first_at, recurrence = await _recur(client, workspace, published_post, 7, 30)
    assert recurrence["time_zone"] == "Asia/Shanghai"
    coming = [
        (o["occurrence"], datetime.fromisoformat(o["at"])) for o in recurrence["next_occurrences"]
    ]
    assert coming == [(n, first_at + timedelta(days=7 * n)) for n in (1, 2, 3, 4)]

    # Not due yet: nothing goes out. Due: occurrence 1 once, even when the releaser runs
    # again (as after a restart).
    assert await _release(runtime, first_at + timedelta(days=6)) == 0
    for _ in range(2):
        await _release(runtime, first_at + timedelta(days=7, minutes=1))
    first, again = await _published_events(runtime)
    assert (first.occurrence, again.occurrence) == (0, 1)
    assert again.channel_ids == first.channel_ids
    assert again.post_id == post_id

    read = await client.get(f"{POSTS}/{post_id}/recurrence", headers=workspace.headers())
    assert read.json()["occurrence"] == 1
    assert [o["occurrence"] for o in read.json()["next_occurrences"]] == [2, 3, 4]

    # Down for two weeks: the latest due occurrence goes out, not a burst of the missed.
    assert await _release(runtime, first_at + timedelta(days=21, minutes=1)) == 1
    assert [e.occurrence for e in await _published_events(runtime)] == [0, 1, 3]

    stopped = await client.delete(
        f"{POSTS}/{post_id}/recurrence", headers=workspace.headers("editor")
    )
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["next_at"], stopped.json()["next_occurrences"]) == (None, [])
    assert stopped.json()["stopped_at"] is not None
    assert await _release(runtime, first_at + timedelta(days=28, minutes=1)) == 0


async def test_a_recurrence_ends_on_its_last_day(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    published_post: dict[str, object],
) -> None:
    post_id, first_at, recurrence = await _recur(client, workspace, published_post, 2, 3)
    assert len(recurrence["next_occurrences"]) == 1  # day 2; day 4 is past the end
    assert await _release(runtime, first_at + timedelta(days=2, minutes=1)) == 1
    assert await _release(runtime, first_at + timedelta(days=4, minutes=1)) == 0
    read = await client.get(f"{POSTS}/{post_id}/recurrence", headers=workspace.headers())
    assert read.json()["next_at"] is None


async def test_bad_recurrences_are_refused_naming_the_problem(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    published_post: dict[str, object],
) -> None:
    post_id = str(published_post["id"])
    url = f"{POSTS}/{post_id}/recurrence"
    headers = workspace.headers("editor")

    draft = await create_post(title="还没发")
    refused = await client.put(
        f"{POSTS}/{draft['id']}/recurrence",
        json={"every_days": 7, "until": _until(30)},
        headers=headers,
    )
    assert refused.status_code == 409

    for body, field in [
        ({"every_days": 0, "until": _until(30)}, "every_days"),
        ({"every_days": 7, "until": _until(3)}, "until"),  # no occurrence before it
        ({"every_days": 7, "until": _until(400)}, "until"),
        ({"every_days": 7, "until": "明年"}, "until"),
    ]:
        response = await client.put(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in {e["field"] for e in response.json()["errors"]}, response.text

    assert (await client.get(url, headers=headers)).status_code == 404  # none was set
    theirs = await client.put(
        url, json={"every_days": 7, "until": _until(30)}, headers=other_workspace.headers("editor")
    )
    assert theirs.status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404


def test_the_event_field_is_optional_for_old_payloads() -> None:
    old = PostPublishedV1.model_validate(
        {
            "post_id": "p",
            "workspace_id": "w",
            "version": 1,
            "title": "t",
            "body_markdown": "b",
            "body_html": "<p>b</p>",
            "tags": [],
            "keywords": [],
            "channel_ids": ["c"],
            "author_id": "a",
            "published_at": datetime(2026, 12, 7, tzinfo=UTC).isoformat(),
        }
    )
    assert old.occurrence == 0
    assert date(2026, 12, 7) == old.published_at.date()
