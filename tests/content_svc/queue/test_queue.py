"""The posting queue: slots per channel, queued posts take the next free slot (ranked by
best times when metrics-svc has them), listing, moving, removing, no double booking."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from content_svc.posts.publishing import publish_due
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library
from tests.content_svc.queue.conftest import MetricsServiceStandIn
from tests.content_svc.queue.helpers import (
    POSTS,
    QUEUE,
    SLOTS,
    add_slot,
    at,
    queue,
    queued_at,
    same_moment,
    tomorrow,
    weibo_with_slots,
)


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem["errors"]]


async def test_slots_are_added_listed_moved_and_removed_per_channel(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    monday = await add_slot(client, workspace, wechat, 0, "09:00")
    await add_slot(client, workspace, weibo, 2, "20:30")

    listed = await client.get(SLOTS, params={"channel_id": wechat}, headers=workspace.headers())
    twin = await client.post(
        SLOTS,
        json={"channel_id": wechat, "weekday": 0, "local_time": "09:00"},
        headers=workspace.headers("editor"),
    )
    moved = await client.patch(
        f"{SLOTS}/{monday['id']}", json={"local_time": "12:15"}, headers=workspace.headers()
    )
    theirs = await client.get(SLOTS, headers=other_workspace.headers())

    assert listed.status_code == 200
    assert [(s["weekday"], s["local_time"]) for s in listed.json()["items"]] == [(0, "09:00")]
    assert twin.status_code == 409
    assert moved.status_code == 200
    assert moved.json()["local_time"] == "12:15"
    assert theirs.json()["items"] == []
    removed = await client.delete(f"{SLOTS}/{monday['id']}", headers=workspace.headers())
    assert removed.status_code == 204
    remaining = await client.get(SLOTS, headers=workspace.headers())
    assert [s["channel_id"] for s in remaining.json()["items"]] == [weibo]


async def test_bad_slots_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    known_channel: ChannelFactory,
) -> None:
    mine = await known_channel(platform="weibo")
    theirs = await known_channel(other_workspace, platform="weibo")

    async def add(**body: Any) -> httpx.Response:
        fields = {"channel_id": mine, "weekday": 1, "local_time": "20:00", **body}
        return await client.post(SLOTS, json=fields, headers=workspace.headers("editor"))

    late = await add(local_time="24:00")
    no_day = await add(weekday=7)
    not_mine = await add(channel_id=theirs)
    not_an_id = await add(channel_id="weibo")

    assert (late.status_code, _fields(late.json())) == (422, ["local_time"])
    assert (no_day.status_code, _fields(no_day.json())) == (422, ["weekday"])
    assert (not_mine.status_code, _fields(not_mine.json())) == (422, ["channel_id"])
    assert (not_an_id.status_code, _fields(not_an_id.json())) == (422, ["channel_id"])


async def test_queued_posts_take_the_next_free_slots_in_order_and_show_in_the_queue(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(client, workspace, known_channel, "20:00", "09:00")
    first, second, third = [await create_post(title=f"第{n}篇") for n in (1, 2, 3)]

    assert same_moment(await queued_at(client, workspace, first["id"], [channel]), at(day, 9))
    assert same_moment(await queued_at(client, workspace, second["id"], [channel]), at(day, 20))
    week_later = day + timedelta(days=7)
    third_at = await queued_at(client, workspace, third["id"], [channel])
    assert same_moment(third_at, at(week_later, 9))

    listed = await client.get(QUEUE, headers=workspace.headers("analyst"))
    assert listed.status_code == 200
    assert [(q["title"], q["slot_at"], q["local_time"]) for q in listed.json()["items"]] == [
        ("第1篇", at(day, 9), "09:00"),
        ("第2篇", at(day, 20), "20:00"),
        ("第3篇", at(week_later, 9), "09:00"),
    ]
    calendar = await client.get(
        "/api/v1/calendar",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=workspace.headers("analyst"),
    )
    [shown] = calendar.json()["days"]
    assert [(e["title"], e["queued"], e["channels"][0]["status"]) for e in shown["entries"]] == [
        ("第1篇", True, "queued"),
        ("第2篇", True, "queued"),
    ]


@pytest.mark.parametrize(
    ("metrics_status", "hour"),
    [(200, 20), (500, 9)],
    ids=["ranked by best times", "metrics-svc failing: slot order"],
)
async def test_the_channels_best_time_ranks_the_free_slots(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
    metrics_service: MetricsServiceStandIn,
    metrics_status: int,
    hour: int,
) -> None:
    day, channel = await weibo_with_slots(client, workspace, known_channel, "09:00", "20:00")
    # The channel's 20:00 posts do ten times better than its 09:00 ones.
    metrics_service.slots[channel] = [(day.weekday(), 9, 300.0), (day.weekday(), 20, 3000.0)]
    metrics_service.status = metrics_status
    post = await create_post()

    scheduled = await queued_at(client, workspace, post["id"], [channel])

    assert same_moment(scheduled, at(day, hour))
    [asked] = metrics_service.asked
    assert asked["channel_id"] == channel
    assert asked["timezone"] == "Asia/Shanghai"
    assert asked["authorization"] is not None


async def test_queueing_needs_slots_and_no_scheduled_time(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    channel = await known_channel(platform="weibo")
    post = await create_post()

    no_slots = await queue(client, workspace, post["id"], [channel])
    with_time = await queue(
        client, workspace, post["id"], [channel], scheduled_at=at(tomorrow(), 9)
    )

    assert (no_slots.status_code, _fields(no_slots.json())) == (422, ["channel_ids.0"])
    assert (with_time.status_code, _fields(with_time.json())) == (422, ["queue"])
    unchanged = await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())
    assert unchanged.json()["status"] == "draft"


async def test_a_queued_post_moves_to_a_free_slot_only(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(
        client, workspace, known_channel, "09:00", "12:00", "20:00"
    )
    first, second = await create_post(title="甲"), await create_post(title="乙")
    await queued_at(client, workspace, first["id"], [channel])
    await queued_at(client, workspace, second["id"], [channel])

    async def move(post_id: str, slot_at: str) -> httpx.Response:
        return await client.patch(
            f"{QUEUE}/{post_id}", json={"slot_at": slot_at}, headers=workspace.headers()
        )

    taken = await move(first["id"], at(day, 12))
    no_slot = await move(first["id"], at(day, 10))
    moved = await move(first["id"], at(day, 20))

    assert (taken.status_code, _fields(taken.json())) == (422, ["slot_at"])
    assert (no_slot.status_code, _fields(no_slot.json())) == (422, ["slot_at"])
    assert moved.status_code == 200, moved.text
    assert same_moment(moved.json()["scheduled_at"], at(day, 20))
    listed = (await client.get(QUEUE, headers=workspace.headers())).json()["items"]
    assert [(q["title"], q["local_time"]) for q in listed] == [("乙", "12:00"), ("甲", "20:00")]
    # The slot it left is free again.
    third = await create_post(title="丙")
    assert same_moment(await queued_at(client, workspace, third["id"], [channel]), at(day, 9))


async def test_a_removed_post_goes_back_to_approved_and_frees_its_slot(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(client, workspace, known_channel, "09:00")
    reviewed = await create_post(title="已审")
    await client.post(f"{POSTS}/{reviewed['id']}/submit", headers=workspace.headers("editor"))
    approved = await client.post(
        f"{POSTS}/{reviewed['id']}/approve",
        json={"version": 1},
        headers=Workspace(id=workspace.id, signer=workspace.signer).headers("reviewer"),
    )
    assert approved.json()["status"] == "approved", approved.text
    draft = await create_post(title="未审")
    await queued_at(client, workspace, reviewed["id"], [channel])

    removed = await client.delete(f"{QUEUE}/{reviewed['id']}", headers=workspace.headers())
    again = await client.delete(f"{QUEUE}/{reviewed['id']}", headers=workspace.headers())

    assert removed.status_code == 200, removed.text
    assert (removed.json()["status"], removed.json()["scheduled_at"]) == ("approved", None)
    assert again.status_code == 409
    assert same_moment(await queued_at(client, workspace, draft["id"], [channel]), at(day, 9))
    taken_out = await client.delete(f"{QUEUE}/{draft['id']}", headers=workspace.headers())
    assert taken_out.json()["status"] == "draft"
    assert (await client.get(QUEUE, headers=workspace.headers())).json()["items"] == []


async def test_concurrent_queue_requests_never_share_a_slot(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(
        client, workspace, known_channel, "08:00", "12:00", "18:00"
    )
    posts = [await create_post(title=f"并发{n}") for n in range(7)]

    answers = await asyncio.gather(*(queue(client, workspace, p["id"], [channel]) for p in posts))

    assert [answer.status_code for answer in answers] == [200] * 7, [a.text for a in answers]
    moments = {datetime.fromisoformat(answer.json()["scheduled_at"]) for answer in answers}
    assert len(moments) == 7
    listed = (await client.get(QUEUE, headers=workspace.headers())).json()["items"]
    assert len(listed) == 7


async def test_the_scheduler_publishes_a_queued_post_at_its_slot(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, channel = await weibo_with_slots(client, workspace, known_channel, "09:00")
    post = await create_post()
    slot = datetime.fromisoformat(await queued_at(client, workspace, post["id"], [channel]))

    async with runtime.db.transaction() as session:
        early = await publish_due(session, media_library(runtime), now=slot - timedelta(seconds=1))
    async with runtime.db.transaction() as session:
        on_time = await publish_due(session, media_library(runtime), now=slot)

    assert (early, on_time) == (0, 1)
    published = (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()
    assert published["status"] == "published"
    assert [c["channel_id"] for c in published["channels"]] == [channel]
    assert (await client.get(QUEUE, headers=workspace.headers())).json()["items"] == []
