"""An operator asks a WeChat channel's collector for up to 90 days of figures
(`POST /channels/{id}/sync {"backfill_days": 90}`): the older days are pulled newest
first, a portion a Beijing day, each datacube API asked for no more days a call than it
answers, so the fake's daily quotas are never reached; every day gets its figures, an
article published weeks ago included, and pulling the days again gives the same figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from channel_svc.sync.backfill import calls, requested, spans

from tests.channel_svc.conftest import WECHAT_APPID, outbox_events
from tests.channel_svc.helpers import wechat_channel, weibo_channel
from tests.channel_svc.sync.test_collectors import TOPIC, figures_of, published_article
from tests.fakes.wechat import WechatFake
from tests.fakes.weibo import WeiboFake

BEIJING = ZoneInfo("Asia/Shanghai")
DAYS_PER_DAY = 30
# A stricter account than WeChat's 1,000 a day: what a day's runs need, and a little more.
QUOTAS = {
    "datacube/getarticletotal": 7 + DAYS_PER_DAY + 3,
    "datacube/getusersummary": 1 + 5 + 1,
    "datacube/getusercumulate": 1 + 5 + 1,
}


def test_each_api_is_asked_for_no_more_days_than_it_answers() -> None:
    first, last = date(2026, 9, 1), date(2026, 11, 22)  # 83 days
    weeks = spans(first, last, 7)
    assert weeks[0] == (date(2026, 11, 16), last)  # newest first
    assert weeks[-1][0] == first
    assert all((end - begin).days < 7 for begin, end in weeks)
    assert all(
        older[1] + timedelta(days=1) == newer[0]
        for newer, older in zip(weeks, weeks[1:], strict=False)
    )
    assert sum((end - begin).days + 1 for begin, end in weeks) == 83
    assert calls(first, last) == {
        "getarticletotal": 83,
        "getusersummary": 12,
        "getusercumulate": 12,
    }
    yesterday = date(2026, 11, 29)
    assert requested(yesterday, 7) is None  # every run pulls the last 7 days
    assert requested(yesterday, 90) == (date(2026, 9, 1), date(2026, 11, 22))


def fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("days", [0, 91, "ninety"])
async def test_a_backfill_outside_1_to_90_days_is_refused_naming_the_field(
    days: object, client: httpx.AsyncClient, editor: dict[str, str], wechat: tuple[WechatFake, str]
) -> None:
    _, base = wechat
    channel_id = await wechat_channel(client, editor, base)
    response = await client.post(
        f"/api/v1/channels/{channel_id}/sync", json={"backfill_days": days}, headers=editor
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fields(response) == {"backfill_days"}


async def test_a_weibo_channel_has_no_past_days_to_backfill(
    client: httpx.AsyncClient, editor: dict[str, str], weibo: tuple[WeiboFake, str]
) -> None:
    _, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    path = f"/api/v1/channels/{channel_id}/sync"
    response = await client.post(path, json={"backfill_days": 30}, headers=editor)
    assert response.status_code == 422, response.text
    assert fields(response) == {"backfill_days"}
    assert (await client.post(path, headers=editor)).status_code == 202  # a plain run still


def beijing(figure: dict[str, Any]) -> date:
    return datetime.fromisoformat(figure["observed_at"]).astimezone(BEIJING).date()


async def test_90_days_are_pulled_over_three_days_within_the_quotas_and_again_the_same(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: tuple[WechatFake, str],
    settings_for: Callable[..., Settings],
) -> None:
    fake, base = wechat
    runtime.syncs.settings = settings_for(sync_backfill_days_per_day=DAYS_PER_DAY)
    channel_id = await wechat_channel(client, editor, base)
    today = fake.today()
    # An article that went out 39 days ago, through the real flow on the fake's calendar.
    fake.today_override = today - timedelta(days=39)
    done = await published_article(client, runtime, editor, workspace_id, channel_id, base)
    async with httpx.AsyncClient(base_url=base) as control:
        await control.put(f"/_fake/articles/{done['external_id']}/figures", json={"reads": 6000})
    fake.today_override = today
    fake.quotas.update(QUOTAS)
    fake.requests.clear()

    path = f"/api/v1/channels/{channel_id}/sync"
    asked = await client.post(path, json={"backfill_days": 90}, headers=editor)
    assert asked.status_code == 202, asked.text
    yesterday = today - timedelta(days=1)
    assert asked.json()["backfill_from"] == (yesterday - timedelta(days=89)).isoformat()

    now = datetime.now(UTC)
    for day in range(3):
        fake.reset_quotas()  # midnight in Beijing
        fake.today_override = today + timedelta(days=day)
        runtime.syncs.clock = lambda day=day: now + timedelta(days=day)  # type: ignore[misc]
        assert await runtime.syncs.run_due() == 1
        status = (await client.get(path, headers=editor)).json()
        assert status["last_error_code"] is None, status
        account = fake.accounts[WECHAT_APPID]
        assert all(account.calls[api] <= quota for api, quota in QUOTAS.items()), account.calls
        if day < 2:
            assert status["backfill_from"] is not None  # goes on the next day
    assert (status["backfill_from"], status["backfill_until"]) == (None, None)
    assert fake.requests.count("/datacube/getarticletotal") == 3 * 7 + 83

    figures = figures_of(await outbox_events(runtime, TOPIC))
    followed = {beijing(f) for f in figures if f["metric"] == "cumulate_user"}
    assert {yesterday - timedelta(days=n) for n in range(90)} <= followed
    reads = {beijing(f): f["value"] for f in figures if f["metric"] == "int_page_read_count"}
    published_on = today - timedelta(days=39)
    assert reads == {published_on + timedelta(days=n): 6000 for n in range(7)}

    # Asked again the next day: the same days give the same figures.
    before = {(f["metric"], f["observed_at"], f.get("post_id")): f["value"] for f in figures}
    seen = len(await outbox_events(runtime, TOPIC))
    fake.reset_quotas()
    fake.today_override = today + timedelta(days=3)
    runtime.syncs.clock = lambda: now + timedelta(days=3)
    assert (await client.post(path, json={"backfill_days": 90}, headers=editor)).status_code == 202
    assert await runtime.syncs.run_due() == 1
    again = figures_of((await outbox_events(runtime, TOPIC))[seen:])
    shared = [f for f in again if (f["metric"], f["observed_at"], f.get("post_id")) in before]
    assert len(shared) > 100
    assert all(
        before[(f["metric"], f["observed_at"], f.get("post_id"))] == f["value"] for f in shared
    )


async def test_a_portion_that_stopped_waits_for_the_next_day_and_its_calls_count(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    wechat: tuple[WechatFake, str],
    settings_for: Callable[..., Settings],
) -> None:
    fake, base = wechat
    runtime.syncs.settings = settings_for(sync_backfill_days_per_day=DAYS_PER_DAY)
    channel_id = await wechat_channel(client, editor, base)
    assert await runtime.syncs.run_due() == 1  # the first run, at connection
    fake.requests.clear()
    fake.reset_quotas()
    fake.quotas["datacube/getusersummary"] = 1  # the regular run's call, no more today

    path = f"/api/v1/channels/{channel_id}/sync"
    pending = (await client.post(path, json={"backfill_days": 90}, headers=editor)).json()
    assert await runtime.syncs.run_due() == 1
    stopped = (await client.get(path, headers=editor)).json()
    assert stopped["last_error_code"] == "wechat_45009"
    assert fake.requests.count("/datacube/getarticletotal") == 7 + DAYS_PER_DAY
    # Asked again the same day: the regular days only, the backfill where it stood.
    assert (await client.post(path, headers=editor)).status_code == 202
    assert await runtime.syncs.run_due() == 1
    assert fake.requests.count("/datacube/getarticletotal") == 7 + DAYS_PER_DAY + 7
    again = (await client.get(path, headers=editor)).json()
    assert (again["backfill_from"], again["backfill_until"]) == (
        pending["backfill_from"],
        pending["backfill_until"],
    )
