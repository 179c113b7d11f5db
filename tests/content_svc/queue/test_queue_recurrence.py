"""A recurring post that the queue scheduled keeps the queue's way for every occurrence:
each channel takes its own next free slot again (never one another post holds), and the
queue shows, per entry, where its post stands on each of its channels."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from content_svc.recurrence.service import release_due
from event_contracts import CloudEvent
from servicekit.runtime import ServiceRuntime

from tests.content_svc.consumers.test_content_consumers import failed, succeeded
from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library
from tests.content_svc.posts.outbox import published_events
from tests.content_svc.queue.helpers import (
    POSTS,
    QUEUE,
    channels_with_slots,
    moment,
    publish_due_at,
    queue_entries,
    queued_post,
)


async def _apply(runtime: ServiceRuntime, event: CloudEvent) -> None:
    assert await runtime.consumer.apply(event, HANDLERS[event.type])


async def _recur(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, *, every_days: int, until: date
) -> None:
    recur = await client.put(
        f"{POSTS}/{post_id}/recurrence",
        json={"every_days": every_days, "until": until.isoformat()},
        headers=ws.headers("editor"),
    )
    assert recur.status_code == 200, recur.text


def _of(ws: Workspace, post: dict[str, Any]) -> dict[str, Any]:
    """What the outcome events name of a post."""
    return {"id": post["id"], "workspace_id": ws.id}


async def _release_occurrences(runtime: ServiceRuntime, now: datetime) -> int:
    async with runtime.db.transaction() as session:
        return await release_due(session, media_library(runtime), now=now)


async def _entries(client: httpx.AsyncClient, ws: Workspace) -> list[dict[str, Any]]:
    response = await client.get(QUEUE, headers=ws.headers("analyst"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _states(entry: dict[str, Any]) -> dict[str, tuple[str, datetime | None]]:
    return {
        c["channel_id"]: (c["state"], datetime.fromisoformat(c["at"]) if c["at"] else None)
        for c in entry["channels"]
    }


async def _three_queued(
    client: httpx.AsyncClient,
    ws: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> tuple[date, str, str, list[dict[str, Any]]]:
    """WeChat (09:00, 18:00) and Weibo (18:00) slots on tomorrow's weekday, and three posts
    queued for both: the first holds WeChat's 09:00 and Weibo's 18:00 tomorrow, the second
    WeChat's 18:00 and Weibo's a week later, the third WeChat's 09:00 a week later and
    Weibo's two weeks later."""
    day, wechat, weibo = await channels_with_slots(client, ws, known_channel)
    posts = [await create_post(title=title) for title in ("常青：新手指南", "乙", "丙")]
    for post in posts:
        await queued_post(client, ws, post["id"], [wechat, weibo])
    return day, wechat, weibo, posts


async def test_each_occurrence_takes_each_channels_next_free_slot(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, posts = await _three_queued(client, workspace, create_post, known_channel)
    evergreen = posts[0]
    await _recur(client, workspace, evergreen["id"], every_days=7, until=day + timedelta(days=30))
    assert await publish_due_at(runtime, moment(day, 9)) == 1
    await _apply(
        runtime,
        succeeded(_of(workspace, evergreen), wechat, at=moment(day, 9) + timedelta(minutes=2)),
    )
    await _apply(
        runtime,
        succeeded(_of(workspace, evergreen), weibo, at=moment(day, 18) + timedelta(minutes=2)),
    )

    # Occurrence 1 is due a week after the first slot.
    released_at = moment(day + timedelta(days=7), 9) + timedelta(minutes=1)
    assert await _release_occurrences(runtime, released_at) == 1

    first, again = await published_events(runtime)
    assert (first.occurrence, again.occurrence) == (0, 1)
    assert again.published_at == released_at
    # Not all channels at once: each its next free slot. WeChat's 09:00 that day has passed
    # and the third post holds it anyway; Weibo's slots a week and two weeks later are the
    # second's and the third's.
    assert again.send_at == {
        wechat: moment(day + timedelta(days=7), 18),
        weibo: moment(day + timedelta(days=21), 18),
    }
    shown = (await client.get(f"{POSTS}/{evergreen['id']}", headers=workspace.headers())).json()
    assert {c["channel_id"]: c["status"] for c in shown["channels"]} == {
        wechat: "pending",
        weibo: "pending",
    }
    # No slot is held twice, and the occurrence holds its two.
    entries = await queue_entries(client, workspace)
    assert len({(channel_id, at) for _, channel_id, at in entries}) == len(entries)
    assert {(c, at) for p, c, at in entries if p == evergreen["id"]} == {
        (wechat, moment(day + timedelta(days=7), 18)),
        (weibo, moment(day + timedelta(days=21), 18)),
    }

    # A late report of the first occurrence does not make the second look done.
    await _apply(
        runtime,
        succeeded(_of(workspace, evergreen), weibo, at=moment(day, 18) + timedelta(minutes=3)),
    )
    shown = (await client.get(f"{POSTS}/{evergreen['id']}", headers=workspace.headers())).json()
    assert {c["channel_id"]: c["status"] for c in shown["channels"]}[weibo] == "pending"


async def test_a_published_post_that_recurs_without_the_queue_goes_out_at_once(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo = await channels_with_slots(client, workspace, known_channel)
    post = await create_post()
    published = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [wechat, weibo]},
        headers=workspace.headers("owner"),
    )
    assert published.status_code == 200, published.text
    await _recur(client, workspace, post["id"], every_days=3, until=day + timedelta(days=30))

    released_at = datetime.fromisoformat(published.json()["published_at"]) + timedelta(days=3)
    assert await _release_occurrences(runtime, released_at) == 1

    [_, again] = await published_events(runtime)
    # Published at a time, not queued: every channel at the occurrence's time, as before.
    assert (again.occurrence, again.send_at) == (1, {})
    assert await queue_entries(client, workspace) == []


async def test_each_queue_entry_shows_its_post_on_every_channel(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, posts = await _three_queued(client, workspace, create_post, known_channel)
    first, second = posts[0], posts[1]
    week_later = day + timedelta(days=7)

    before = await _entries(client, workspace)

    entry = next(e for e in before if (e["post_id"], e["channel_id"]) == (first["id"], weibo))
    assert entry["post_status"] == "scheduled"
    assert _states(entry) == {
        wechat: ("scheduled", moment(day, 9)),
        weibo: ("scheduled", moment(day, 18)),
    }

    # The first post goes out on WeChat at 09:00; Weibo waits for 18:00.
    assert await publish_due_at(runtime, moment(day, 9)) == 1
    sent_at = moment(day, 9) + timedelta(minutes=2)
    await _apply(runtime, succeeded(_of(workspace, first), wechat, at=sent_at))
    # The second goes out at 18:00 on WeChat and fails there; Weibo waits a week.
    assert await publish_due_at(runtime, moment(day, 18)) == 1
    failed_at = moment(day, 18) + timedelta(minutes=1)
    await _apply(runtime, failed(_of(workspace, second), wechat, at=failed_at))

    after = await _entries(client, workspace)

    # The channels that went out (or failed) no longer hold a slot in the queue.
    assert (first["id"], wechat) not in {(e["post_id"], e["channel_id"]) for e in after}
    entry = next(e for e in after if (e["post_id"], e["channel_id"]) == (first["id"], weibo))
    assert entry["post_status"] == "published"
    assert _states(entry) == {
        wechat: ("published", sent_at),
        weibo: ("scheduled", moment(day, 18)),
    }
    entry = next(e for e in after if e["post_id"] == second["id"])
    assert (entry["channel_id"], datetime.fromisoformat(entry["slot_at"])) == (
        weibo,
        moment(week_later, 18),
    )
    assert _states(entry) == {
        wechat: ("failed", failed_at),
        weibo: ("scheduled", moment(week_later, 18)),
    }
    # Times are in the workspace's zone, as the entry's own.
    assert entry["channels"][0]["at"].endswith("+08:00")
