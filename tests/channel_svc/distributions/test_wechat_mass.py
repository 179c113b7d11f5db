"""A post mass-sent (群发) to a WeChat account's followers: sent once, even across a crash;
held to the account's once-a-day limit; settled by `MASSSENDJOBFINISH` with its counts,
or by a poll when no callback comes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from channel_svc.app import create_app
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from devstack.ports import free_port

from tests.channel_svc.callbacks.helpers import (
    AES_KEY,
    ORIGINAL_ID,
    TOKEN,
    Account,
    configured,
    event,
    push,
)
from tests.channel_svc.conftest import WECHAT_APPID, outbox_events
from tests.channel_svc.helpers import (
    article,
    distribution_of,
    killed_during,
    running_replica,
    running_worker,
    settled,
    until,
    wechat_channel,
)
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]
FOLLOWERS = ("oFollowerA00000000000000000", "oFollowerB00000000000000000", "oFollowerC0000")
SENDALL = "/cgi-bin/message/mass/sendall"


@pytest.fixture
def followed(wechat: Fake) -> Fake:
    """The account with three followers; its sends settle only when asked (pushed, polled)."""
    fake, base = wechat
    for openid in FOLLOWERS:
        fake.subscribe(WECHAT_APPID, openid)
    fake.mass.push_after_seconds = None
    return fake, base


@pytest.fixture
async def channel_id(client: httpx.AsyncClient, editor: dict[str, str], followed: Fake) -> str:
    """A channel on the followed account (a subscription account: once a day)."""
    _, base = followed
    return await wechat_channel(client, editor, base)


async def service_account(client: httpx.AsyncClient, editor: dict[str, str], wechat: Fake) -> str:
    """A channel on the account made a service account (no once-a-day check here)."""
    fake, base = wechat
    fake.mass.kinds[WECHAT_APPID] = "service"
    config = {"base_url": base, "account_type": "service"}
    return await wechat_channel(client, editor, base, config=config)


def mass_article(workspace_id: str, channel_id: str, base: str, **fields: Any) -> Any:
    options = {channel_id: {"mode": "mass_send", "segment_id": None}}
    return article(workspace_id, [channel_id], base, channel_options=options, **fields)


async def waiting_for_its_result(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    base: str,
    *,
    mode: str = "safe",
) -> tuple[Account, dict[str, Any]]:
    """A channel with its callback (in `mode`) mass-sends a post to every follower: the
    distribution sent, waiting for WeChat's result (its first poll an hour away)."""
    runtime, client = slow_polls
    account = await configured(client, editor, base, mode=mode)
    post = mass_article(workspace_id, account.channel_id, base)
    async with running_worker(runtime):
        _, waiting = await settled(
            client, editor, runtime, post, account.channel_id, {"confirming"}
        )
    return account, waiting


def finished(msg_id: str, status: str, total: int, sent: int) -> dict[str, Any]:
    return event(
        "MASSSENDJOBFINISH",
        openid="oSYSTEM",
        MsgID=msg_id,
        Status=status,
        TotalCount=total,
        FilterCount=total,
        SentCount=sent,
        ErrorCount=total - sent,
    )


async def test_a_mass_send_reaches_every_follower_and_its_counts_arrive_by_callback(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
) -> None:
    runtime, client = slow_polls
    fake, base = followed
    account, waiting = await waiting_for_its_result(slow_polls, editor, workspace_id, base)
    [send] = fake.mass.sends.values()
    assert send.audience == "@all"
    assert sorted(send.recipients) == sorted(FOLLOWERS)
    assert send.clientmsgid
    assert not fake.publications  # mass-sent, not (only) published
    assert waiting["mass_send"]["msg_id"] == str(send.msg_id)
    assert waiting["mass_send"]["tag_id"] is None
    response, _ = await push(client, account, finished(str(send.msg_id), "send success", 3, 3))
    assert response.status_code == 200
    done = await until(client, editor, waiting["id"])
    assert done["status"] == "succeeded", done
    assert done["mass_send"]["status"] == "send success"
    assert done["mass_send"]["total_count"] == 3
    assert done["mass_send"]["sent_count"] == 3
    assert done["mass_send"]["error_count"] == 0
    assert len(await outbox_events(runtime, "distribution.succeeded")) == 1
    sent = httpx.get(f"{base}/_fake/sent").json()
    assert [(s["kind"], s["touser"]) for s in sent] == [("mass", "@all")]


async def test_a_failed_mass_send_says_why(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
) -> None:
    _, client = slow_polls
    fake, base = followed
    account, waiting = await waiting_for_its_result(
        slow_polls, editor, workspace_id, base, mode="plain"
    )
    [send] = fake.mass.sends.values()
    response, _ = await push(client, account, finished(str(send.msg_id), "err(30003)", 3, 0))
    assert response.status_code == 200, response.text
    done = await until(client, editor, waiting["id"])
    assert done["status"] == "failed"
    assert "30003" in done["last_error"]
    assert done["mass_send"]["error_count"] == 3


async def test_without_a_callback_the_send_is_polled_until_it_went_out(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
    channel_id: str,
) -> None:
    fake, base = followed
    post = mass_article(workspace_id, channel_id, base)
    row, done = await settled(client, editor, worker, post, channel_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    [send] = fake.mass.sends.values()
    assert done["external_id"] == str(send.msg_id)
    assert send.status == "SEND_SUCCESS"


async def test_a_second_mass_send_the_same_beijing_day_waits_for_midnight(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
    channel_id: str,
) -> None:
    fake, base = followed
    first = mass_article(workspace_id, channel_id, base)
    _, done = await settled(client, editor, worker, first, channel_id)
    assert done["status"] == "succeeded", done
    second = mass_article(workspace_id, channel_id, base, title="第二篇")
    row, waiting = await settled(client, editor, worker, second, channel_id)
    assert waiting["status"] == "deferred", waiting
    assert "once a day" in waiting["last_error"]
    assert waiting["error_code"] == "mass_send_spent"
    beijing = datetime.fromisoformat(waiting["next_attempt_at"]).astimezone(
        ZoneInfo("Asia/Shanghai")
    )
    assert (beijing.hour, beijing.minute) == (0, 0)
    assert beijing - datetime.now(UTC) <= timedelta(days=1)
    assert len(fake.mass.sends) == 1  # WeChat was not asked
    # The channel's ordinary publishing goes on meanwhile.
    plain = article(workspace_id, [channel_id], base, title="普通发布")
    _, done = await settled(client, editor, worker, plain, channel_id)
    assert done["status"] == "succeeded", done


async def test_wechat_refusing_for_its_quota_defers_too(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
) -> None:
    """A service account whose mass sends WeChat says are spent."""
    fake, base = followed
    fake.spend_quota(WECHAT_APPID, "message/mass/sendall")
    channel_id = await service_account(client, editor, followed)
    post = mass_article(workspace_id, channel_id, base)
    row, waiting = await settled(client, editor, worker, post, channel_id)
    assert waiting["status"] == "deferred", waiting
    assert waiting["error_code"] == "mass_send_spent"
    assert "45028" in waiting["last_error"]
    assert not fake.mass.sends
    cancelled = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert cancelled.status_code == 200, cancelled.text  # nothing went out


async def test_a_crash_during_the_mass_send_never_sends_twice(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
    channel_id: str,
) -> None:
    """The worker dies while `sendall` is on the wire and WeChat sends it; the restarted
    worker asks again with the same clientmsgid, is told it went out (45065), and waits
    for that send's result."""
    fake, base = followed
    post = mass_article(workspace_id, channel_id, base)
    await killed_during(runtime, post, fake, SENDALL, then=lambda: fake.mass.sends)
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, post.data["post_id"], channel_id)
        done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    [send] = fake.mass.sends.values()
    assert fake.requests.count(SENDALL) == 2  # the second was refused as a repeat
    assert fake.requests.count("/cgi-bin/draft/add") == 1
    assert done["mass_send"]["msg_id"] == str(send.msg_id)


async def test_the_fakes_own_push_settles_the_send_through_a_real_port(
    slow_polls: tuple[ChannelRuntime, httpx.AsyncClient],
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
) -> None:
    """WeChat (the fake) pushes MASSSENDJOBFINISH, signed and sealed, to the callback URL
    saved in its console: channel-svc on a real port of this loop."""
    runtime, client = slow_polls
    fake, base = followed
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime), host="127.0.0.1", port=port, lifespan="off", log_config=None
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        account, waiting = await waiting_for_its_result(slow_polls, editor, workspace_id, base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as platform:
            saved = await platform.put(
                f"/_fake/accounts/{WECHAT_APPID}/callback",
                json={
                    "url": f"http://127.0.0.1:{port}{account.path}",
                    "token": TOKEN,
                    "encoding_aes_key": AES_KEY,
                    "mode": "safe",
                    "original_id": ORIGINAL_ID,
                },
            )
            assert saved.status_code == 200, saved.text
            [send] = fake.mass.sends.values()
            pushed = await platform.post(f"/_fake/mass/{send.msg_id}/push")
            assert pushed.status_code == 200, pushed.text
            [record] = (await platform.get("/_fake/callbacks/pushes")).json()
        assert (record["kind"], record["status"], record["error"]) == (
            "MASSSENDJOBFINISH",
            200,
            None,
        )
        done = await until(client, editor, waiting["id"])
        assert done["status"] == "succeeded", done
        assert (done["mass_send"]["total_count"], done["mass_send"]["sent_count"]) == (3, 3)
    finally:
        server.should_exit = True
        await serving


async def test_a_failed_mass_send_retried_is_a_new_send(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    followed: Fake,
) -> None:
    """Not refused as a repeat of the failed one (WeChat keeps a clientmsgid 24 hours)."""
    fake, base = followed
    channel_id = await service_account(client, editor, followed)
    fake.mass.fail_next = True
    post = mass_article(workspace_id, channel_id, base)
    row, failed = await settled(client, editor, worker, post, channel_id)
    assert failed["status"] == "failed", failed
    retried = await client.post(f"/api/v1/distributions/{row['id']}/retry", headers=editor)
    assert retried.status_code == 200, retried.text
    done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    first, second = fake.mass.sends.values()
    assert first.clientmsgid != second.clientmsgid
    assert (first.status, second.status) == ("SEND_FAIL", "SEND_SUCCESS")
    assert done["mass_send"]["msg_id"] == str(second.msg_id)
