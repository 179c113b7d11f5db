"""channel-svc sends inbox answers from `inbox.answer.requested` through the channel's
credentials (WeChat customer-service messages, Weibo comment replies) and tells the outcome
on `inbox.answer.settled`: sent with the platform's id, or failed with the platform's reason
in plain words. Each answer is sent at most once: a redelivered request, or a new attempt of
an answer already sent, sends nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, InboxAnswerRequestedV1, get_topic

from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET, WEIBO_TOKEN, outbox_events
from tests.channel_svc.helpers import apply, wechat_channel, weibo_channel
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.wechat_followers import Followers
from tests.fakes.weibo import WeiboFake

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


@pytest.fixture
def wechat_followers() -> Iterator[tuple[Followers, str]]:
    """The WeChat fake (its followers' state, to say who wrote when) and its base URL."""
    fake = WechatFake()
    fake.add_account(WECHAT_APPID, WECHAT_SECRET)
    app = create_wechat(fake)
    running = serve_in_thread(app)
    yield app.state.followers, running.url
    running.stop()


def requested(
    workspace_id: str,
    channel_id: str,
    *,
    answer_id: str | None = None,
    attempt: int = 1,
    platform: str = "wechat",
    recipient_id: str = OPENID,
    status_id: str | None = None,
    text: str = "资料包已发送，请查收",
) -> CloudEvent:
    payload = InboxAnswerRequestedV1(
        answer_id=answer_id or str(uuid.uuid4()),
        attempt=attempt,
        workspace_id=workspace_id,
        item_id=str(uuid.uuid4()),
        channel_id=channel_id,
        platform=platform,
        recipient_id=recipient_id,
        status_id=status_id,
        text=text,
        requested_at=datetime.now(UTC),
    )
    return CloudEvent.create(
        "inbox.answer.requested", "/user-svc", str(uuid.uuid4()), workspace_id, payload
    )


async def a_reply_to_a_comment(
    fake: WeiboFake, base: str, workspace_id: str, channel_id: str
) -> CloudEvent:
    """A reader's question under a status of ours on Weibo, and our answer requested."""
    async with httpx.AsyncClient(base_url=base) as platform:
        status = await platform.post(
            "/2/statuses/share.json",
            data={"access_token": WEIBO_TOKEN, "status": "新品 https://www.example.com/p/1"},
        )
    status_id = status.json()["idstr"]
    cid = fake.add_comment(status_id, "多少钱？")
    return requested(
        workspace_id,
        channel_id,
        platform="weibo",
        recipient_id=cid,
        status_id=status_id,
        text="九十九元",
    )


async def settled(runtime: ChannelRuntime) -> list[dict[str, Any]]:
    return [event["data"] for event in await outbox_events(runtime, "inbox.answer.settled")]


async def test_a_wechat_answer_is_sent_once_inside_the_window(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat_followers: tuple[Followers, str],
) -> None:
    followers, base = wechat_followers
    channel_id = await wechat_channel(client, editor, base)
    followers.acted(WECHAT_APPID, OPENID, "message")

    first = requested(workspace_id, channel_id)
    assert await apply(runtime, first) is True
    [outcome] = await settled(runtime)
    assert outcome["outcome"] == "sent"
    assert outcome["platform_message_id"]
    assert [s.content for s in followers.sent] == ["资料包已发送，请查收"]

    # Delivered again, or asked again as a new attempt: the follower gets it once.
    assert await apply(runtime, first) is False
    answer_id = first.data["answer_id"]
    assert await apply(runtime, requested(workspace_id, channel_id, answer_id=answer_id)) is True
    again = requested(workspace_id, channel_id, answer_id=answer_id, attempt=2)
    assert await apply(runtime, again) is True
    assert len(followers.sent) == 1
    assert len(await settled(runtime)) == 1


async def test_outside_the_window_or_beyond_the_allowance_the_answer_fails_with_the_reason(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat_followers: tuple[Followers, str],
) -> None:
    followers, base = wechat_followers
    channel_id = await wechat_channel(client, editor, base)

    late = requested(workspace_id, channel_id)
    await apply(runtime, late)
    [failed] = await settled(runtime)
    assert (failed["outcome"], failed["error_code"]) == ("failed", "wechat_45015")
    assert "48 hours" in failed["reason"]

    # The follower writes: a retry (the next attempt of the same answer) goes through.
    followers.acted(WECHAT_APPID, OPENID, "click")
    retry = requested(workspace_id, channel_id, answer_id=late.data["answer_id"], attempt=2)
    await apply(runtime, retry)
    assert (await settled(runtime))[-1]["outcome"] == "sent"
    for _ in range(2):
        await apply(runtime, requested(workspace_id, channel_id))
    await apply(runtime, requested(workspace_id, channel_id))
    spent = (await settled(runtime))[-1]
    assert (spent["outcome"], spent["error_code"]) == ("failed", "wechat_45047")
    assert len(followers.sent) == 3


async def test_another_workspaces_channel_sends_nothing(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat_followers: tuple[Followers, str],
) -> None:
    followers, base = wechat_followers
    channel_id = await wechat_channel(client, editor, base)
    followers.acted(WECHAT_APPID, OPENID, "message")
    await apply(runtime, requested(str(uuid.uuid4()), channel_id))
    [refused] = await settled(runtime)
    assert (refused["outcome"], refused["error_code"]) == ("failed", "channel_unknown")
    assert followers.sent == []


@pytest.mark.parametrize("unavailable", [0, 1])
async def test_a_weibo_answer_replies_to_the_comment(
    unavailable: int,
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    event = await a_reply_to_a_comment(fake, base, workspace_id, channel_id)
    cid, status_id = event.data["recipient_id"], event.data["status_id"]
    # Weibo busy (a 502 from its gateway, then its 10001) is asked again: one reply still.
    fake.fail_5xx = fake.system_errors = unavailable
    await apply(runtime, event)
    [outcome] = await settled(runtime)
    assert outcome["outcome"] == "sent"
    [reply] = [s for s in fake.sent if s["kind"] == "comment_reply"]
    assert (reply["cid"], reply["status_id"], reply["text"]) == (cid, status_id, "九十九元")
    assert reply["id"] == outcome["platform_message_id"]


def test_the_registered_example_is_what_the_handler_takes() -> None:
    topic = get_topic("inbox.answer.requested")
    assert "channel-svc" in topic.consumers
    topic.payload_model.model_validate(topic.example)
