"""Each channel of a queued post takes its own next free slot: the post is published at the
earliest, each later channel's distribution waits for its slot, and that slot stays taken
until the distribution goes out; moving, removing, rescheduling free a channel's slot."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from event_contracts import CloudEvent, DistributionFailedV1, FailureReason
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.posts.outbox import published_events
from tests.content_svc.queue.helpers import (
    POSTS,
    QUEUE,
    add_slot,
    at,
    channels_with_slots,
    moment,
    one_queued,
    publish_due_at,
    queue,
    queue_entries,
    queued_post,
    times_of,
    tomorrow,
)


async def test_each_channel_takes_its_own_next_free_slot(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo = await channels_with_slots(client, workspace, known_channel)
    first, second = await create_post(title="甲"), await create_post(title="乙")

    one = await queued_post(client, workspace, first["id"], [weibo, wechat])
    two = await queued_post(client, workspace, second["id"], [weibo, wechat])

    # Each channel's next free slot, not one moment both share.
    assert times_of(one) == {wechat: moment(day, 9), weibo: moment(day, 18)}
    assert datetime.fromisoformat(one["scheduled_at"]) == moment(day, 9)
    week_later = day + timedelta(days=7)
    assert times_of(two) == {wechat: moment(day, 18), weibo: moment(week_later, 18)}
    assert datetime.fromisoformat(two["scheduled_at"]) == moment(day, 18)
    listed = await queue_entries(client, workspace)
    assert set(listed) == {
        (first["id"], wechat, moment(day, 9)),
        (first["id"], weibo, moment(day, 18)),
        (second["id"], wechat, moment(day, 18)),
        (second["id"], weibo, moment(week_later, 18)),
    }
    assert [slot for _, _, slot in listed] == sorted(slot for _, _, slot in listed)
    calendar = await client.get(
        "/api/v1/calendar",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=workspace.headers("analyst"),
    )
    [shown] = calendar.json()["days"]
    entry = next(e for e in shown["entries"] if e["post_id"] == first["id"])
    assert {c["channel_id"]: datetime.fromisoformat(c["at"]) for c in entry["channels"]} == {
        wechat: moment(day, 9),
        weibo: moment(day, 18),
    }


def _failed(post_id: str, workspace_id: str, channel_id: str) -> CloudEvent:
    payload = DistributionFailedV1(
        distribution_id=str(uuid.uuid4()),
        post_id=post_id,
        channel_id=channel_id,
        workspace_id=workspace_id,
        platform="weibo",
        reasons=[FailureReason(code="cancelled", message="cancelled by an editor")],
        attempts=0,
        failed_at=datetime.now().astimezone(),
        retryable=True,
    )
    return CloudEvent.create("distribution.failed", "/channel-svc", post_id, workspace_id, payload)


async def test_published_at_the_earliest_slot_the_later_channel_waits_and_keeps_its_slot(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, post = await one_queued(client, workspace, create_post, known_channel)

    released = await publish_due_at(runtime, moment(day, 9))

    assert released == 1
    [event] = await published_events(runtime)
    assert sorted(event.channel_ids) == sorted([wechat, weibo])
    # channel-svc holds Weibo's distribution back until Weibo's own slot.
    assert event.send_at == {weibo: moment(day, 18)}
    shown = (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()
    assert shown["status"] == "published"
    assert times_of(shown) == {wechat: moment(day, 9), weibo: moment(day, 18)}
    # Weibo's slot is still the post's until its distribution goes out.
    assert await queue_entries(client, workspace) == [(post["id"], weibo, moment(day, 18))]
    removed = await client.delete(f"{QUEUE}/{post['id']}", headers=workspace.headers())
    assert removed.status_code == 409
    other = await create_post(title="其他")
    other_times = times_of(await queued_post(client, workspace, other["id"], [weibo]))
    assert other_times == {weibo: moment(day + timedelta(days=7), 18)}

    # Cancelled in channel-svc: the slot is free again.
    failed = _failed(post["id"], workspace.id, weibo)
    assert await runtime.consumer.apply(failed, HANDLERS[failed.type])
    third = await create_post(title="第三")
    assert times_of(await queued_post(client, workspace, third["id"], [weibo])) == {
        weibo: moment(day, 18)
    }


async def test_moving_one_channel_frees_its_slot_and_removing_frees_all(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, post = await one_queued(client, workspace, create_post, known_channel)

    async def move(body: dict[str, Any]) -> httpx.Response:
        return await client.patch(f"{QUEUE}/{post['id']}", json=body, headers=workspace.headers())

    not_its_channel = await move({"slot_at": at(day, 18), "channel_id": str(uuid.uuid4())})
    moved = await move({"slot_at": at(day, 18), "channel_id": wechat})

    assert (not_its_channel.status_code, not_its_channel.json()["errors"][0]["field"]) == (
        422,
        "channel_id",
    )
    assert moved.status_code == 200, moved.text
    assert times_of(moved.json()) == {wechat: moment(day, 18), weibo: moment(day, 18)}
    assert datetime.fromisoformat(moved.json()["scheduled_at"]) == moment(day, 18)
    # WeChat's 09:00 is free again; its 18:00 and Weibo's are taken.
    other = await create_post(title="乙")
    other_times = times_of(await queued_post(client, workspace, other["id"], [wechat, weibo]))
    week_later = day + timedelta(days=7)
    assert other_times == {wechat: moment(day, 9), weibo: moment(week_later, 18)}

    removed = await client.delete(f"{QUEUE}/{post['id']}", headers=workspace.headers())
    assert removed.status_code == 200, removed.text
    assert removed.json()["channel_send_at"] == {}
    third = await create_post(title="丙")
    assert times_of(await queued_post(client, workspace, third["id"], [wechat, weibo])) == {
        wechat: moment(day, 18),
        weibo: moment(day, 18),
    }


async def test_scheduling_a_queued_post_at_a_time_frees_its_slots(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, post = await one_queued(client, workspace, create_post, known_channel)

    rescheduled = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [wechat, weibo], "scheduled_at": at(day, 9)},
        headers=workspace.headers("owner"),
    )

    assert rescheduled.status_code == 200, rescheduled.text
    assert rescheduled.json()["status"] == "scheduled"
    # One time for both channels now, and out of the queue.
    assert rescheduled.json()["channel_send_at"] == {}
    assert await queue_entries(client, workspace) == []
    other = await create_post()
    assert times_of(await queued_post(client, workspace, other["id"], [wechat, weibo])) == {
        wechat: moment(day, 9),
        weibo: moment(day, 18),
    }


async def test_concurrent_requests_never_double_book_a_channel_slot(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day = tomorrow()
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    for hour in ("08:00", "12:00", "18:00"):
        await add_slot(client, workspace, wechat, day.weekday(), hour)
    for hour in ("09:00", "20:00"):
        await add_slot(client, workspace, weibo, day.weekday(), hour)
    posts = [await create_post(title=f"并发{n}") for n in range(6)]

    answers = await asyncio.gather(
        *(queue(client, workspace, p["id"], [wechat, weibo]) for p in posts)
    )

    assert [answer.status_code for answer in answers] == [200] * 6, [a.text for a in answers]
    for channel_id in (wechat, weibo):
        taken = [times_of(answer.json())[channel_id] for answer in answers]
        assert len(set(taken)) == 6, (channel_id, taken)
    listed = await queue_entries(client, workspace)
    assert len(listed) == 12
    assert len({(cid, slot) for _, cid, slot in listed}) == 12


async def test_a_channel_without_a_free_slot_fails_the_request_and_claims_nothing(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo = await channels_with_slots(client, workspace, known_channel)
    # Weibo's one weekly slot, taken in every week the queue looks ahead.
    weeks = 0
    while (await queue(client, workspace, (await create_post())["id"], [weibo])).status_code == 200:
        weeks += 1
        assert weeks <= 5
    post = await create_post()

    full = await queue(client, workspace, post["id"], [wechat, weibo])

    assert full.status_code == 409, full.text
    assert [error["field"] for error in full.json()["errors"]] == ["channel_ids.1"]
    assert (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()[
        "status"
    ] == "draft"
    # WeChat's slot was not kept by the failed request.
    other = await create_post()
    assert times_of(await queued_post(client, workspace, other["id"], [wechat])) == {
        wechat: moment(day, 9)
    }
