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
from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET
from tests.channel_svc.helpers import apply, wechat_channel
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.wechat_followers import Followers

SEND = "/cgi-bin/message/custom/send"


@pytest.fixture
def wechat() -> Iterator[tuple[WechatFake, Followers, str]]:
    fake = WechatFake()
    fake.add_account(WECHAT_APPID, WECHAT_SECRET)
    app = create_wechat(fake)
    running = serve_in_thread(app)
    yield fake, app.state.followers, running.url
    running.stop()


@pytest.mark.parametrize(
    ("wrote", "busy", "outcome", "code"),
    [
        (True, 2, "sent", None),  # busy twice, then through: the follower gets it once
        (True, 1000, "failed", "wechat_-1"),  # busy throughout: failed after the tries
        (False, 0, "failed", "wechat_45015"),  # waiting cannot help: asked once
    ],
)
async def test_a_busy_wechat_is_asked_again_and_only_then_the_answer_fails(
    wrote: bool,
    busy: int,
    outcome: str,
    code: str | None,
    runtime: ChannelRuntime,
    client: httpx.AsyncClient,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, Followers, str],
) -> None:
    fake, followers, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    if wrote:
        followers.acted(WECHAT_APPID, OPENID, "message")
    fake.busy = busy
    before = len(fake.requests)

    await apply(runtime, requested(workspace_id, channel_id))
    [settled_as] = await settled(runtime)
    assert (settled_as["outcome"], settled_as["error_code"]) == (outcome, code)
    if outcome == "sent":
        assert [s.content for s in followers.sent] == ["资料包已发送，请查收"]
        return
    assert followers.sent == []
    if code == "wechat_-1":
        assert "busy" in settled_as["reason"]
        assert len(fake.requests) - before == runtime.settings.answer_max_tries
    else:
        assert fake.requests.count(SEND) == 1


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
