"""A busy platform does not fail an inbox answer at once: channel-svc asks again with the
delivery worker's backoff, and only after `CHANNEL_ANSWER_MAX_TRIES` tries shows it
`failed` with the platform's reason. What waiting cannot change fails at once, and the
follower never gets the answer twice."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from channel_svc.adapters.http import Unreachable
from channel_svc.adapters.wechat import WechatAdapter, WechatError
from channel_svc.answers.service import worth_waiting
from channel_svc.runtime import ChannelRuntime

from tests.channel_svc.answers.test_send import OPENID, requested, settled
from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET, WEIBO_TOKEN
from tests.channel_svc.helpers import apply, wechat_channel, weibo_channel
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.wechat_followers import Followers
from tests.fakes.weibo import WeiboFake

SEND = "/cgi-bin/message/custom/send"


@pytest.fixture
def wechat() -> Iterator[tuple[WechatFake, Followers, str]]:
    fake = WechatFake()
    fake.add_account(WECHAT_APPID, WECHAT_SECRET)
    app = create_wechat(fake)
    running = serve_in_thread(app)
    yield fake, app.state.followers, running.url
    running.stop()


async def test_wechat_busy_twice_then_the_answer_is_sent_once(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, Followers, str],
) -> None:
    fake, followers, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    followers.acted(WECHAT_APPID, OPENID, "message")
    fake.busy = 2

    await apply(runtime, requested(workspace_id, channel_id))
    [outcome] = await settled(runtime)
    assert outcome["outcome"] == "sent"
    assert [s.content for s in followers.sent] == ["资料包已发送，请查收"]


async def test_wechat_busy_throughout_fails_after_the_tries_with_the_reason(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, Followers, str],
) -> None:
    fake, followers, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    followers.acted(WECHAT_APPID, OPENID, "message")
    fake.busy = 1000
    before = len(fake.requests)

    await apply(runtime, requested(workspace_id, channel_id))
    [failed] = await settled(runtime)
    assert (failed["outcome"], failed["error_code"]) == ("failed", "wechat_-1")
    assert "busy" in failed["reason"]
    assert len(fake.requests) - before == runtime.settings.answer_max_tries
    assert followers.sent == []


async def test_outside_the_window_the_platform_is_asked_once(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, Followers, str],
) -> None:
    fake, followers, base = wechat
    channel_id = await wechat_channel(client, editor, base)

    await apply(runtime, requested(workspace_id, channel_id))
    [failed] = await settled(runtime)
    assert failed["error_code"] == "wechat_45015"
    assert fake.requests.count(SEND) == 1


async def test_weibo_errors_then_the_reply_goes_out_once(
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    async with httpx.AsyncClient(base_url=base) as platform:
        status = await platform.post(
            "/2/statuses/share.json",
            data={"access_token": WEIBO_TOKEN, "status": "新品 https://www.example.com/p/1"},
        )
    status_id = status.json()["idstr"]
    cid = fake.add_comment(status_id, "多少钱？")
    fake.fail_5xx, fake.system_errors = 1, 1  # a 502 from its gateway, then its 10001

    event = requested(
        workspace_id,
        channel_id,
        platform="weibo",
        recipient_id=cid,
        status_id=status_id,
        text="九十九元",
    )
    await apply(runtime, event)
    [outcome] = await settled(runtime)
    assert outcome["outcome"] == "sent"
    assert len([s for s in fake.sent if s["kind"] == "comment_reply"]) == 1


def test_a_timeout_after_the_request_left_is_not_asked_again() -> None:
    adapter = WechatAdapter(timeout_seconds=1, allow_private=True, confirm_poll_seconds=1)

    def unreachable(cause: Exception | None) -> Unreachable:
        error = Unreachable("WeChat did not answer")
        error.__cause__ = cause
        return error

    # It may have been sent: asking again could send it twice.
    assert not worth_waiting(adapter, unreachable(httpx.ReadTimeout("read")))
    # Never left, or answered 5xx: nothing was sent.
    assert worth_waiting(adapter, unreachable(httpx.ConnectError("refused")))
    assert worth_waiting(adapter, unreachable(None))
    assert worth_waiting(adapter, WechatError(45009))
    assert not worth_waiting(adapter, WechatError(45047))
