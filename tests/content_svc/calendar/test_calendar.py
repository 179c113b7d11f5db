"""The calendar: posts and campaigns by local day, in the workspace time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace

CALENDAR = "/api/v1/calendar"
POSTS = "/api/v1/posts"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem["errors"]]


async def _calendar(
    client: httpx.AsyncClient, ws: Workspace, first: date, last: date, **params: str
) -> httpx.Response:
    query = {"from": first.isoformat(), "to": last.isoformat(), **params}
    return await client.get(CALENDAR, params=query, headers=ws.headers("analyst"))


def _day(answer: dict[str, Any], day: date) -> list[dict[str, Any]]:
    [found] = [d for d in answer["days"] if d["date"] == day.isoformat()]
    entries: list[dict[str, Any]] = found["entries"]
    return entries


async def _publish(
    client: httpx.AsyncClient, ws: Workspace, post_id: str, channels: list[str], **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{POSTS}/{post_id}/publish",
        json={"channel_ids": channels, **body},
        headers=ws.headers("owner"),
    )
    assert response.status_code == 200, response.text
    published: dict[str, Any] = response.json()
    return published


async def test_a_late_evening_post_lands_on_its_local_day_with_channels_and_campaign(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    today = datetime.now(SHANGHAI).date()
    day = today + timedelta(days=10)
    # 23:30 in Shanghai is 15:30 UTC: the same UTC day, but had the calendar used UTC
    # days, a 00:30 post would land a day early; this one checks the local clock time.
    evening = datetime.combine(day, time(23, 30), SHANGHAI)
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    campaign = await client.post(
        "/api/v1/campaigns",
        json={
            "name": "双十二大促",
            "objective": "conversions",
            "starts_at": datetime.combine(day, time(0, 30), SHANGHAI).isoformat(),
            "ends_at": datetime.combine(day + timedelta(days=2), time(1, 0), SHANGHAI).isoformat(),
        },
        headers=workspace.headers("editor"),
    )
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    scheduled = await create_post(title="大促预告", campaign_id=campaign_id)
    await _publish(client, workspace, scheduled["id"], [wechat], scheduled_at=evening.isoformat())
    now_post = await create_post(title="今日推文")
    await _publish(client, workspace, now_post["id"], [weibo])
    midnight = await create_post(title="零点推文")
    just_after_midnight = datetime.combine(day + timedelta(days=1), time(0, 30), SHANGHAI)
    await _publish(
        client, workspace, midnight["id"], [weibo], scheduled_at=just_after_midnight.isoformat()
    )

    response = await _calendar(client, workspace, today, today + timedelta(days=30))

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["time_zone"] == "Asia/Shanghai"
    assert len(answer["days"]) == 31
    [entry] = _day(answer, day)
    assert entry == {
        "post_id": scheduled["id"],
        "title": "大促预告",
        "kind": "scheduled",
        "queued": False,
        "at": f"{day.isoformat()}T23:30:00+08:00",
        "local_time": "23:30",
        "campaign_id": campaign_id,
        "channels": [
            {
                "channel_id": wechat,
                "platform": "wechat_oa",
                "name": "品牌官方公众号",
                "status": "scheduled",
                "at": f"{day.isoformat()}T23:30:00+08:00",
            }
        ],
    }
    assert [e["title"] for e in _day(answer, day + timedelta(days=1))] == ["零点推文"]
    [published] = _day(answer, today)
    assert (published["title"], published["kind"]) == ("今日推文", "published")
    assert [(c["channel_id"], c["status"]) for c in published["channels"]] == [(weibo, "pending")]
    [shown] = answer["campaigns"]
    assert (shown["id"], shown["first_day"], shown["last_day"]) == (
        campaign_id,
        day.isoformat(),
        (day + timedelta(days=2)).isoformat(),
    )

    only_weibo = (await _calendar(client, workspace, today, day, channel_id=weibo)).json()
    assert [e["title"] for d in only_weibo["days"] for e in d["entries"]] == ["今日推文"]
    only_campaign = (await _calendar(client, workspace, today, day, campaign_id=campaign_id)).json()
    assert [e["title"] for d in only_campaign["days"] for e in d["entries"]] == ["大促预告"]


async def test_the_workspace_time_zone_moves_entries_to_their_local_day(
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day = datetime.now(SHANGHAI).date() + timedelta(days=20)
    channel = await known_channel(platform="weibo")
    post = await create_post()
    # 08:00 in Shanghai is the evening before in New York.
    morning = datetime.combine(day, time(8, 0), SHANGHAI)
    await _publish(client, workspace, post["id"], [channel], scheduled_at=morning.isoformat())

    changed = await client.patch(
        f"{POSTS}/settings",
        json={"time_zone": "America/New_York"},
        headers=workspace.headers("owner"),
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["time_zone"] == "America/New_York"
    settings = await client.get(f"{POSTS}/settings", headers=workspace.headers("analyst"))
    assert settings.json()["time_zone"] == "America/New_York"
    answer = (await _calendar(client, workspace, day - timedelta(days=1), day)).json()
    assert answer["time_zone"] == "America/New_York"
    [entry] = _day(answer, day - timedelta(days=1))
    assert entry["at"] == morning.astimezone(ZoneInfo("America/New_York")).isoformat()
    assert entry["local_time"] == morning.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
    assert _day(answer, day) == []


async def test_a_time_zone_that_does_not_exist_is_refused_naming_the_field(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    response = await client.patch(
        f"{POSTS}/settings", json={"time_zone": "Asia/Beijing"}, headers=workspace.headers("owner")
    )
    assert response.status_code == 422
    assert _fields(response.json()) == ["time_zone"]
    editor = await client.patch(
        f"{POSTS}/settings",
        json={"time_zone": "Europe/Berlin"},
        headers=workspace.headers("editor"),
    )
    assert editor.status_code == 403
    settings = await client.get(f"{POSTS}/settings", headers=workspace.headers("analyst"))
    assert settings.json()["time_zone"] == "Asia/Shanghai"


async def test_a_range_longer_than_a_quarter_or_backwards_is_refused_naming_to(
    client: httpx.AsyncClient, workspace: Workspace
) -> None:
    first = date(2026, 1, 1)
    too_long = await _calendar(client, workspace, first, first + timedelta(days=92))
    backwards = await _calendar(client, workspace, first, first - timedelta(days=1))
    fits = await _calendar(client, workspace, first, first + timedelta(days=91))
    bad_channel = await _calendar(client, workspace, first, first, channel_id="nope")

    assert too_long.status_code == 422
    assert _fields(too_long.json()) == ["to"]
    assert backwards.status_code == 422
    assert _fields(backwards.json()) == ["to"]
    assert fits.status_code == 200
    assert len(fits.json()["days"]) == 92
    assert bad_channel.status_code == 422
    assert _fields(bad_channel.json()) == ["channel_id"]


async def test_another_workspace_sees_none_of_the_posts(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    channel = await known_channel(platform="weibo")
    post = await create_post()
    await _publish(client, workspace, post["id"], [channel])

    theirs = (await _calendar(client, other_workspace, today, today)).json()

    assert [e for d in theirs["days"] for e in d["entries"]] == []
