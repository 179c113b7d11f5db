"""Each WeChat and Weibo channel's figures collector (against the fakes, over real HTTP):
the backfill of the last 7 days when the channel is connected, figures named by our
posts, the same figures when pulled again, a spent quota deferring to the next day, a
busy platform asked again with backoff, and the operators' status and trigger."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from channel_svc.adapters.base import UnlockedChannel
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.runtime import ChannelRuntime
from channel_svc.sync.collectors import Copy, collect_weibo

from tests.channel_svc.conftest import (
    WECHAT_APPID,
    WEIBO_TOKEN,
    WEIBO_UID,
    outbox_events,
    published,
)
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    running_worker,
    settled,
    until,
    wechat_channel,
    weibo_channel,
)
from tests.conftest import Signer
from tests.fakes.wechat import WechatFake
from tests.fakes.weibo import WeiboFake

BEIJING = ZoneInfo("Asia/Shanghai")
TOPIC = "platform.figures.collected"


async def published_article(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    channel_id: str,
    base: str,
) -> dict[str, Any]:
    """Published by the delivery worker, which then stops (its watch of the published
    article would take the fake's switches meant for the collector)."""
    event = article(workspace_id, [channel_id], base)
    await apply(runtime, event)
    async with running_worker(runtime):
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        done = await until(client, editor, row["id"])
    assert done["status"] == "succeeded", done
    return done


def two_days_later(fake: WechatFake, runtime: ChannelRuntime) -> tuple[datetime, date]:
    """Move the fake's calendar and the collector's clock two days on: the day the article
    went out and the next are in the datacube. Returns the collector's now and yesterday."""
    now = datetime.now(UTC) + timedelta(days=2)
    fake.today_override = fake.today() + timedelta(days=2)
    runtime.syncs.clock = lambda: now
    return now, fake.today() - timedelta(days=1)


def figures_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [figure for event in events for figure in event["data"]["figures"]]


async def sync_status(
    client: httpx.AsyncClient, headers: dict[str, str], channel_id: str
) -> dict[str, Any]:
    response = await client.get(f"/api/v1/channels/{channel_id}/sync", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_connected_account_backfills_7_days_named_by_our_posts_and_again_gives_the_same(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    connected = await sync_status(client, editor, channel_id)
    assert connected["last_run_at"] is None  # due at once: the backfill
    assert datetime.fromisoformat(connected["next_run_at"]) <= datetime.now(UTC)
    done = await published_article(client, runtime, editor, workspace_id, channel_id, base)
    async with httpx.AsyncClient(base_url=base) as control:
        response = await control.put(
            f"/_fake/articles/{done['external_id']}/figures",
            json={"reads": 1500, "readers": 1100, "shares": 40, "favorites": 12},
        )
        assert response.status_code == 200
    fake.subscribe(WECHAT_APPID, "o-follower-1")
    fake.subscribe(WECHAT_APPID, "o-follower-2")
    now, yesterday = two_days_later(fake, runtime)

    assert await runtime.syncs.run_due() == 1
    totals = [r for r in fake.requests if r == "/datacube/getarticletotal"]
    assert len(totals) == 7  # one day per call, the last 7 days
    assert fake.requests.count("/datacube/getusersummary") == 1  # 7 days in one call
    [event] = await outbox_events(runtime, TOPIC)
    assert event["data"]["channel_id"] == channel_id
    assert event["data"]["platform"] == "wechat"
    figures = figures_of([event])
    reads = [f for f in figures if f["metric"] == "int_page_read_count"]
    assert {f["post_id"] for f in reads} == {done["post_id"]}
    assert [f["value"] for f in reads] == [1500, 1500]  # the day it went out, and the next
    gained = {f["observed_at"][:10]: f["value"] for f in figures if f["metric"] == "new_user"}
    assert len(gained) == 7
    assert sum(gained.values()) == 2
    [followers] = [
        f["value"]
        for f in figures
        if f["metric"] == "cumulate_user"
        and datetime.fromisoformat(f["observed_at"]).astimezone(BEIJING).date() == yesterday
    ]
    assert followers == 2

    status = await sync_status(client, editor, channel_id)
    assert status["last_error"] is None
    assert status["collected_through"] == yesterday.isoformat()
    assert status["figures_last_run"] == len(figures)
    next_run = datetime.fromisoformat(status["next_run_at"]).astimezone(BEIJING)
    assert (next_run.hour, next_run.minute) == (9, 0)
    assert now < next_run <= now + timedelta(days=1)
    assert await runtime.syncs.run_due() == 0  # nothing due until then

    # An operator asks for a run now: the same figures again (metrics-svc keys them).
    triggered = await client.post(f"/api/v1/channels/{channel_id}/sync", headers=editor)
    assert triggered.status_code == 202, triggered.text
    assert await runtime.syncs.run_due() == 1
    first, second = await outbox_events(runtime, TOPIC)
    assert figures_of([second]) == figures_of([first])


async def test_a_spent_quota_defers_to_the_next_day_and_busy_backs_off(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    fake, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    await published_article(client, runtime, editor, workspace_id, channel_id, base)
    now, _ = two_days_later(fake, runtime)
    fake.spend_quota(WECHAT_APPID, "datacube/getusersummary")
    assert await runtime.syncs.run_due() == 1
    status = await sync_status(client, editor, channel_id)
    assert status["last_error_code"] == "wechat_45009"
    assert "quota" in status["last_error"]
    next_run = datetime.fromisoformat(status["next_run_at"]).astimezone(BEIJING)
    midnight = (now.astimezone(BEIJING) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert next_run == midnight.replace(hour=9)
    assert fake.requests.count("/datacube/getusersummary") == 1  # no retry in a loop
    # What came before the spent quota is sent all the same.
    [event] = await outbox_events(runtime, TOPIC)
    assert any(f["metric"] == "int_page_read_count" for f in event["data"]["figures"])

    # The next day: WeChat is busy once; the run is tried again a minute later.
    fake.reset_quotas()
    fake.today_override = next_run.date()
    later = next_run + timedelta(minutes=1)
    runtime.syncs.clock = lambda: later
    fake.busy = 1
    assert await runtime.syncs.run_due() == 1
    status = await sync_status(client, editor, channel_id)
    assert status["last_error_code"] == "wechat_-1"
    assert status["failures"] == 2
    retry_at = datetime.fromisoformat(status["next_run_at"])
    assert later < retry_at <= later + timedelta(minutes=2)
    runtime.syncs.clock = lambda: retry_at
    assert await runtime.syncs.run_due() == 1
    status = await sync_status(client, editor, channel_id)
    assert status["last_error"] is None
    assert status["failures"] == 0


async def test_weibo_counts_of_our_statuses_and_followers_are_collected(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: tuple[WeiboFake, str],
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    event = published(workspace_id, [channel_id])
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    fake.set_counts(done["external_id"], reposts=5, comments=3, attitudes=21)
    fake.users[WEIBO_UID].followers_count = 8800
    assert await worker.syncs.run_due() == 1
    [collected] = await outbox_events(worker, TOPIC)
    values = {(f["metric"], f["post_id"]): f["value"] for f in collected["data"]["figures"]}
    assert values == {
        ("reposts", done["post_id"]): 5,
        ("comments", done["post_id"]): 3,
        ("attitudes", done["post_id"]): 21,
        ("followers_count", None): 8800,
    }
    assert fake.requests.count("/2/statuses/count.json") == 1


async def test_only_api_channels_have_a_collector_seen_by_their_workspace_and_run_by_editors(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
    wechat: tuple[WechatFake, str],
) -> None:
    _, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    hook = await client.post(
        "/api/v1/channels",
        json={
            "platform": "webhook",
            "name": "CMS",
            "config": {"url": "https://cms.example.com/hook"},
            "secret": "s3cret-signing-key-0123456789",
        },
        headers=editor,
    )
    assert hook.status_code == 201, hook.text
    webhook = await client.get(f"/api/v1/channels/{hook.json()['id']}/sync", headers=editor)
    assert webhook.status_code == 404
    assert "no figures to collect" in webhook.json()["detail"]
    stranger = signer.headers(workspace_id="another-workspace", roles=("owner",))
    assert (
        await client.get(f"/api/v1/channels/{channel_id}/sync", headers=stranger)
    ).status_code == 404
    analyst = signer.headers(workspace_id=workspace_id, roles=("analyst",))
    assert (
        await client.get(f"/api/v1/channels/{channel_id}/sync", headers=analyst)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/channels/{channel_id}/sync", headers=analyst)
    ).status_code == 403


async def test_weibo_counts_are_asked_100_statuses_at_a_time(
    runtime: ChannelRuntime, weibo: tuple[WeiboFake, str]
) -> None:
    fake, base = weibo
    user = fake.users[WEIBO_UID]
    copies = {}
    for n in range(150):
        status_id = str(4_900_000_000_000_000 + n)
        user.statuses.append(
            {
                "id": int(status_id),
                "idstr": status_id,
                "reposts_count": n,
                "comments_count": 0,
                "attitudes_count": 0,
            }
        )
        copies[status_id] = Copy(post_id=f"post-{n}", external_id=status_id)
    adapter = runtime.adapters["weibo"]
    assert isinstance(adapter, WeiboAdapter)
    channel = UnlockedChannel(
        id="c",
        workspace_id="w",
        platform="weibo",
        name="微博",
        config={"base_url": base},
        secret=json.dumps({"access_token": WEIBO_TOKEN, "uid": WEIBO_UID}),
    )
    found = await collect_weibo(adapter, channel, copies, datetime.now(UTC))
    assert fake.requests.count("/2/statuses/count.json") == 2
    reposts = {f.post_id: f.value for f in found.figures if f.metric == "reposts"}
    assert len(reposts) == 150
    assert reposts["post-149"] == 149
