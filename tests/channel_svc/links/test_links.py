"""Tracked links end to end in channel-svc: replaced per channel when a post is
distributed, followed through `/l/{code}` with UTM parameters, clicks recorded after the
redirect and announced through the outbox, campaigns' names and deletions respected."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from channel_svc.models import Click
from channel_svc.runtime import ChannelRuntime
from event_contracts import CampaignChangedV1, CloudEvent, LinkClickedV1, LinkCreatedV1
from sqlalchemy import func, select

from tests.channel_svc.conftest import create_channel, outbox_events, published
from tests.channel_svc.helpers import add, apply, distribution_of
from tests.conftest import Signer

TARGET = "https://shop.example.com/spring?ref=post&utm_source=newsletter"
IMAGE = "https://cdn.example.com/spring.png"
SHORT = re.compile(r"http://127\.0\.0\.1:8000/l/([A-Za-z0-9]{8})")


def post_with_link(workspace_id: str, channel_ids: list[str], **fields: Any) -> CloudEvent:
    html_target = TARGET.replace("&", "&amp;")
    return published(
        workspace_id,
        channel_ids,
        body_markdown=f"# 春季上新\n\n[立即选购]({TARGET})\n\n![封面]({IMAGE})",
        body_html=f'<h1>春季上新</h1><p><a href="{html_target}">立即选购</a></p>'
        f'<p><img src="{IMAGE}" alt="封面"></p>',
        **fields,
    )


def campaign(
    workspace_id: str, campaign_id: str, *, deleted: bool = False, minutes: int = 0
) -> CloudEvent:
    change = CampaignChangedV1(
        campaign_id=campaign_id,
        workspace_id=workspace_id,
        name="双十一 新品",
        objective="conversions",
        goals={"conversions": 300},
        starts_at=datetime(2025, 11, 1, tzinfo=UTC),
        ends_at=datetime(2025, 11, 12, tzinfo=UTC),
        channel_ids=[],
        post_ids=[],
        tags=[],
        status="running",
        deleted=deleted,
        changed_at=datetime(2025, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    )
    return CloudEvent.create("campaign.changed", "/content-svc", campaign_id, workspace_id, change)


async def test_each_tracking_channel_gets_its_own_short_links_in_the_rendered_post(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    signer: Signer,
) -> None:
    hook = await create_channel(client, editor, "http://127.0.0.1:9/hook")
    feed = await add(client, editor, {"platform": "feed", "name": "博客订阅"})
    zhihu = await add(client, editor, {"platform": "zhihu", "name": "知乎专栏"})
    untracked = await add(
        client, editor, {"platform": "zhihu", "name": "知乎 2", "track_links": False}
    )
    refused = await client.post(
        "/api/v1/channels",
        json={"platform": "xiaohongshu", "name": "小红书", "track_links": True},
        headers=editor,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "track_links"
    channels = [hook["id"], feed, zhihu, untracked]
    event = post_with_link(workspace_id, channels)
    post_id = event.data["post_id"]
    await apply(runtime, event)

    codes: dict[str, str] = {}
    for channel_id in channels:
        rendered = (await distribution_of(client, editor, post_id, channel_id))["rendered"]
        assert IMAGE in rendered["body"]  # an image is not a link
        found = set(SHORT.findall(rendered["body"]))
        if channel_id == untracked:
            assert not found
            assert TARGET in rendered["body"]
            continue
        assert "shop.example.com" not in rendered["body"]
        [codes[channel_id]] = found
    assert len(set(codes.values())) == 3  # one code per channel

    created = [
        LinkCreatedV1.model_validate(e["data"])
        for e in await outbox_events(runtime, "link.created")
    ]
    assert {(c.channel_id, c.code, c.target_url) for c in created} == {
        (channel_id, code, TARGET) for channel_id, code in codes.items()
    }
    listed = await client.get("/api/v1/links", params={"post_id": post_id}, headers=editor)
    assert listed.status_code == 200
    assert {(i["code"], i["clicks"]) for i in listed.json()["items"]} == {
        (code, 0) for code in codes.values()
    }
    one = await client.get("/api/v1/links", params={"channel_id": zhihu}, headers=editor)
    [item] = one.json()["items"]
    assert item["url"] == f"http://127.0.0.1:8000/l/{codes[zhihu]}"
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("editor",))
    assert (await client.get("/api/v1/links", headers=stranger)).json()["items"] == []
    other = await client.get(f"/api/v1/links/{codes[zhihu]}", headers=stranger)
    assert other.status_code == 404


async def test_a_click_redirects_with_utm_parameters_and_is_recorded_after(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    runtime.clicks.start()
    campaign_id = str(uuid.uuid4())
    await apply(runtime, campaign(workspace_id, campaign_id))
    channel_id = await add(client, editor, {"platform": "zhihu", "name": "知乎专栏"})
    event = post_with_link(workspace_id, [channel_id], campaign_id=campaign_id)
    await apply(runtime, event)
    rendered = (await distribution_of(client, editor, event.data["post_id"], channel_id))[
        "rendered"
    ]
    [code] = SHORT.findall(rendered["body"])

    head = await client.head(f"/l/{code}")
    assert head.status_code == 302  # a link preview: answered, not counted
    response = await client.get(f"/l/{code}")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert (location.netloc, location.path) == ("shop.example.com", "/spring")
    assert parse_qs(location.query) == {
        "ref": ["post"],
        "utm_source": ["newsletter"],  # the target's own value is kept
        "utm_medium": ["知乎专栏"],
        "utm_campaign": ["双十一 新品"],
    }
    assert response.headers["cache-control"] == "no-store"

    await runtime.clicks.stop()  # what a shutdown does: everything queued is written
    assert runtime.clicks.queued == 0
    [clicked] = await outbox_events(runtime, "link.clicked")
    payload = LinkClickedV1.model_validate(clicked["data"])
    assert (payload.code, payload.post_id, payload.channel_id, payload.platform) == (
        code,
        event.data["post_id"],
        channel_id,
        "zhihu",
    )
    assert payload.campaign_id == campaign_id
    async with runtime.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Click)) == 1
    listed = await client.get("/api/v1/links", params={"campaign_id": campaign_id}, headers=editor)
    assert [i["clicks"] for i in listed.json()["items"]] == [1]


async def test_unknown_codes_are_a_404_page_and_a_deleted_campaign_a_410(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    for path in ("/l/Zz9Zz9Zz", "/l/nope", "/l/" + "x" * 300):
        missing = await client.get(path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Link not found" in missing.text
    campaign_id = str(uuid.uuid4())
    await apply(runtime, campaign(workspace_id, campaign_id))
    channel_id = await add(client, editor, {"platform": "zhihu", "name": "知乎专栏"})
    event = post_with_link(workspace_id, [channel_id], campaign_id=campaign_id)
    await apply(runtime, event)
    rendered = (await distribution_of(client, editor, event.data["post_id"], channel_id))[
        "rendered"
    ]
    [code] = SHORT.findall(rendered["body"])
    assert (await client.get(f"/l/{code}")).status_code == 302  # cached from now on

    await apply(runtime, campaign(workspace_id, campaign_id, deleted=True, minutes=5))
    await apply(runtime, campaign(workspace_id, campaign_id, minutes=1))  # late, older: ignored
    ended = await client.get(f"/l/{code}")
    assert ended.status_code == 410
    assert ended.headers["content-type"].startswith("text/html")
    assert runtime.clicks.queued == 1  # only the click before the deletion

    later = post_with_link(workspace_id, [channel_id], campaign_id=campaign_id)
    await apply(runtime, later)
    rendered = (await distribution_of(client, editor, later.data["post_id"], channel_id))[
        "rendered"
    ]
    assert not SHORT.findall(rendered["body"])  # no new links for a deleted campaign
    assert TARGET in rendered["body"]
