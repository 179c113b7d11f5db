"""Readers' comments on our Weibo statuses are pulled by the channel's collector (against
the fake, over real HTTP): each once, newer than the last pulled, named by our post and the
status, our own replies left out, page by page and in events of bounded size."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from channel_svc.sync import collectors
from channel_svc.sync.collectors import COMMENTS_PER_PAGE
from channel_svc.sync.service import COMMENTS_PER_EVENT
from servicekit.db import utcnow

from tests.channel_svc.conftest import WEIBO_UID, outbox_events, published
from tests.channel_svc.helpers import settled, weibo_channel
from tests.fakes.weibo import WeiboFake

TOPIC = "platform.comments.collected"


async def weibo_status(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    base: str,
) -> tuple[str, dict[str, Any]]:
    """A Weibo channel with one of our posts on it: the channel's id and the delivery."""
    channel_id = await weibo_channel(client, editor, base)
    event = published(workspace_id, [channel_id])
    _, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    return channel_id, done


def comments_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for event in events for c in event["data"]["comments"]]


async def run_again(
    client: httpx.AsyncClient, worker: ChannelRuntime, editor: dict[str, str], channel_id: str
) -> None:
    triggered = await client.post(f"/api/v1/channels/{channel_id}/sync", headers=editor)
    assert triggered.status_code == 202, triggered.text
    assert await worker.syncs.run_due() == 1


async def test_comments_on_our_statuses_are_pulled_once_each_naming_our_post(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    channel_id, done = await weibo_status(client, worker, editor, workspace_id, base)
    status_id = done["external_id"]
    asked = fake.add_comment(status_id, "这款什么时候上市？", uid="1900000001", screen_name="小红")
    fake.add_comment(status_id, "已下单", uid="1900000002", screen_name="阿明", reply_to=asked)
    # Our own reply under the status is not a reader's comment.
    fake.add_comment(status_id, "下周一上市", uid=WEIBO_UID)
    assert await worker.syncs.run_due() == 1
    [event] = await outbox_events(worker, TOPIC)
    assert event["data"]["channel_id"] == channel_id
    assert event["data"]["platform"] == "weibo"
    pulled = {c["text"]: c for c in comments_of([event])}
    assert set(pulled) == {"这款什么时候上市？", "已下单"}
    assert {c["post_id"] for c in pulled.values()} == {done["post_id"]}
    assert {c["status_id"] for c in pulled.values()} == {status_id}
    assert pulled["这款什么时候上市？"]["author_name"] == "小红"
    assert pulled["已下单"]["reply_to_id"] == asked
    status = (await client.get(f"/api/v1/channels/{channel_id}/sync", headers=editor)).json()
    assert status["comments_last_run"] == 2

    # The next run asks only for what is newer: one new comment, and nothing twice.
    fake.add_comment(status_id, "颜色好看", uid="1900000003")
    await run_again(client, worker, editor, channel_id)
    events = await outbox_events(worker, TOPIC)
    assert [c["text"] for c in comments_of(events[1:])] == ["颜色好看"]
    await run_again(client, worker, editor, channel_id)
    assert len(await outbox_events(worker, TOPIC)) == 2  # nothing new: no event


async def test_many_comments_are_read_page_by_page_and_told_in_bounded_events(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    _, done = await weibo_status(client, worker, editor, workspace_id, base)
    count = COMMENTS_PER_PAGE * 2 + 50
    for n in range(count):
        fake.add_comment(done["external_id"], f"评论{n}", uid=str(1_800_000_000 + n))
    assert await worker.syncs.run_due() == 1
    events = await outbox_events(worker, TOPIC)
    assert fake.requests.count("/2/comments/to_me.json") == 3
    assert all(len(e["data"]["comments"]) <= COMMENTS_PER_EVENT for e in events)
    assert {e["data"]["chunks"] for e in events} == {len(events)}
    texts = [c["text"] for c in comments_of(events)]
    assert sorted(texts) == sorted(f"评论{n}" for n in range(count))


async def test_a_comment_under_a_status_older_than_the_followed_days_still_names_our_post(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    _, done = await weibo_status(client, worker, editor, workspace_id, base)
    later = utcnow() + timedelta(days=worker.settings.sync_follow_days + 10)
    worker.syncs.clock = lambda: later
    fake.add_comment(done["external_id"], "还有货吗？")
    assert await worker.syncs.run_due() == 1
    [event] = await outbox_events(worker, TOPIC)
    [pulled] = event["data"]["comments"]
    assert pulled["post_id"] == done["post_id"]
    assert fake.requests.count("/2/statuses/count.json") == 0  # its counts are no longer read


async def test_a_burst_beyond_a_runs_pages_goes_on_in_the_next_runs_and_nothing_is_lost(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = weibo
    monkeypatch.setattr(collectors, "COMMENT_PAGES_PER_RUN", 1)
    channel_id, done = await weibo_status(client, worker, editor, workspace_id, base)
    burst = COMMENTS_PER_PAGE * 2 + 30
    for n in range(burst):
        fake.add_comment(done["external_id"], f"评论{n}", uid=str(1_800_000_000 + n))
    assert await worker.syncs.run_due() == 1  # one page of the burst, the newest
    # A comment written while the burst is read is read after it.
    fake.add_comment(done["external_id"], "后来的评论", uid="1700000001")
    for _ in range(3):
        await run_again(client, worker, editor, channel_id)
    texts = [c["text"] for c in comments_of(await outbox_events(worker, TOPIC))]
    assert sorted(texts) == sorted([*(f"评论{n}" for n in range(burst)), "后来的评论"])
    await run_again(client, worker, editor, channel_id)
    assert len(comments_of(await outbox_events(worker, TOPIC))) == burst + 1  # nothing again
