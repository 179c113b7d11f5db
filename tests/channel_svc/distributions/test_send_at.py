"""A channel named in `post.published`'s `send_at` (its own posting-queue slot, later than
the publication) goes out at that time, not at once; the other channels go at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
from channel_svc.models import Distribution
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, PostChannelRevisedV1, PostVariantV1
from sqlalchemy import update

from tests.channel_svc.conftest import Receiver, create_channel, published
from tests.channel_svc.distributions.test_manual import xhs_channel
from tests.channel_svc.helpers import apply, distribution_of


def _slot() -> datetime:
    """An hour from now, on the minute."""
    return (datetime.now(UTC) + timedelta(hours=1)).replace(second=0, microsecond=0)


async def _slot_comes(runtime: ChannelRuntime, distribution_id: str) -> int:
    """Move the held distribution's time to now, as the clock would, and run one delivery
    round: how many distributions it attempted."""
    async with runtime.db.transaction() as session:
        await session.execute(
            update(Distribution)
            .where(Distribution.id == distribution_id)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    return await runtime.worker.deliver_due()


async def _one_channel_later(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> tuple[str, str, datetime, CloudEvent]:
    """A post published to two webhook channels, the second at its slot an hour later:
    (the first, the second, its slot, the event)."""
    later = (await create_channel(client, editor, receiver.url, name="晚"))["id"]
    now = (await create_channel(client, editor, receiver.url, name="早"))["id"]
    slot = _slot()
    event = published(workspace_id, [now, later], send_at={later: slot})
    await apply(runtime, event)
    return now, later, slot, event


async def test_a_channel_with_a_later_slot_waits_for_it(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    now, later, slot, event = await _one_channel_later(
        client, runtime, editor, workspace_id, receiver
    )
    post_id = event.data["post_id"]

    held = await distribution_of(client, editor, post_id, later)
    assert held["status"] == "scheduled"
    assert datetime.fromisoformat(held["next_attempt_at"]) == slot
    assert await runtime.worker.deliver_due() == 1  # only the channel without a slot
    [first] = receiver.received
    assert first.headers["x-mediaops-delivery"] != held["id"]
    assert (await distribution_of(client, editor, post_id, later))["status"] == "scheduled"

    assert await _slot_comes(runtime, held["id"]) == 1
    assert (await distribution_of(client, editor, post_id, later))["status"] == "succeeded"
    assert [d.headers["x-mediaops-delivery"] for d in receiver.received][1:] == [held["id"]]


async def test_a_feed_item_appears_at_its_slot(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel = await client.post(
        "/api/v1/channels", json={"platform": "feed", "name": "订阅"}, headers=editor
    )
    feed = channel.json()
    event = published(workspace_id, [feed["id"]], title="春季新品", send_at={feed["id"]: _slot()})
    await apply(runtime, event)

    held = await distribution_of(client, editor, event.data["post_id"], feed["id"])
    assert held["status"] == "scheduled"
    assert feedparser.parse((await client.get(feed["feed_path"])).content).entries == []

    assert await _slot_comes(runtime, held["id"]) == 1
    done = await distribution_of(client, editor, event.data["post_id"], feed["id"])
    assert done["status"] == "succeeded"
    [item] = feedparser.parse((await client.get(feed["feed_path"])).content).entries
    assert item.title == "春季新品"


_NOTE = {"title": "春日穿搭", "cover_url": "https://cdn.example.com/c.png"}


async def test_a_manual_package_says_when_to_publish(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await xhs_channel(client, editor)
    slot = _slot()
    event = published(workspace_id, [channel_id], send_at={channel_id: slot}, **_NOTE)
    await apply(runtime, event)

    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "awaiting_manual"
    shanghai = slot + timedelta(hours=8)
    assert row["rendered"]["checklist"][0] == (
        f"Publish at {shanghai:%Y-%m-%d %H:%M} (Asia/Shanghai), its queue slot."
    )
    # Without a slot, no such line.
    now_event = published(workspace_id, [channel_id], **_NOTE)
    await apply(runtime, now_event)
    now_row = await distribution_of(client, editor, now_event.data["post_id"], channel_id)
    assert not now_row["rendered"]["checklist"][0].startswith("Publish at")


def _revised(event: CloudEvent, channel_id: str, title: str, at: datetime) -> CloudEvent:
    """`post.channel.revised` of the post `event` published: `title` on `channel_id`."""
    post = event.data
    revised = PostChannelRevisedV1(
        post_id=post["post_id"],
        workspace_id=post["workspace_id"],
        channel_id=channel_id,
        content=PostVariantV1(
            title=title,
            body_markdown=post["body_markdown"],
            body_html=post["body_html"],
            tags=post["tags"],
            media=[],
        ),
        revised_at=at,
    )
    return CloudEvent.create(
        "post.channel.revised", "/content-svc", revised.post_id, revised.workspace_id, revised
    )


async def test_a_channel_waiting_for_its_slot_gets_the_post_as_revised_meanwhile(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    now, later, slot, event = await _one_channel_later(
        client, runtime, editor, workspace_id, receiver
    )
    post_id = event.data["post_id"]
    assert await runtime.worker.deliver_due() == 1  # the channel without a slot
    edited_at = datetime.now(UTC)

    await apply(runtime, _revised(event, later, "改过的标题", edited_at))
    # Older news arriving late, and a channel the post already went out to: no change.
    await apply(runtime, _revised(event, later, "更早的改动", edited_at - timedelta(minutes=1)))
    await apply(runtime, _revised(event, now, "太晚了", edited_at))

    held = await distribution_of(client, editor, post_id, later)
    assert held["status"] == "scheduled"
    assert datetime.fromisoformat(held["next_attempt_at"]) == slot
    assert await _slot_comes(runtime, held["id"]) == 1
    first, second = (json.loads(d.body)["post"] for d in receiver.received)
    assert first["title"] == "春季新品发布会回顾"
    assert (second["title"], second["body_markdown"]) == ("改过的标题", event.data["body_markdown"])
    assert second["send_at"] == {later: slot.isoformat().replace("+00:00", "Z")}
