"""Manual platforms wait with a copy-ready package until the operator gives the URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import httpx
from channel_svc.runtime import ChannelRuntime

from tests.channel_svc.conftest import outbox_events, published
from tests.channel_svc.helpers import add, apply, distribution_of


async def xhs_channel(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return await add(
        client,
        headers,
        {
            "platform": "xiaohongshu",
            "name": "品牌小红书",
            "signature": "关注我们，了解更多",
            "default_tags": ["好物"],
        },
    )


async def test_a_manual_platform_gets_a_package_and_completes_with_the_url(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await xhs_channel(client, editor)
    event = published(
        workspace_id, [channel_id], title="春日穿搭", cover_url="https://cdn.example.com/c.png"
    )
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "awaiting_manual"
    (waiting,) = await outbox_events(runtime, "distribution.manual.waiting")
    assert (waiting["data"]["distribution_id"], waiting["data"]["title"]) == (row["id"], "春日穿搭")
    package = row["rendered"]
    assert package["title"] == "春日穿搭"
    assert "#launch #好物" in package["body"]
    assert package["body"].endswith("关注我们，了解更多")
    assert any("20 characters" in item for item in package["checklist"])
    done = await client.post(
        f"/api/v1/distributions/{row['id']}/complete",
        json={"url": "https://www.xiaohongshu.com/explore/abc"},
        headers=editor,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "succeeded"
    [event_out] = await outbox_events(runtime, "distribution.succeeded")
    assert event_out["data"]["url"] == "https://www.xiaohongshu.com/explore/abc"
    assert event_out["data"].get("published_at") is None  # went live when completed
    again = await client.post(
        f"/api/v1/distributions/{row['id']}/complete",
        json={"url": "https://www.xiaohongshu.com/explore/abc"},
        headers=editor,
    )
    assert again.status_code == 409


async def test_a_manual_post_completed_later_says_when_it_went_live(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await xhs_channel(client, editor)
    event = published(workspace_id, [channel_id], cover_url="https://cdn.example.com/c.png")
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    url = "https://www.xiaohongshu.com/explore/6650a1b2c3d4e5f6a7b8c9d0"
    posted = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    refused = {
        "in the future": posted + timedelta(days=2, hours=1),
        "30 days ago": posted - timedelta(days=29),
    }
    for words, moment in refused.items():
        bad = await client.post(
            f"/api/v1/distributions/{row['id']}/complete",
            json={"url": url, "published_at": moment.isoformat()},
            headers=editor,
        )
        assert bad.status_code == 422, bad.text
        assert bad.json()["errors"][0]["field"] == "published_at"
        assert words in bad.json()["errors"][0]["message"]
    naive = await client.post(
        f"/api/v1/distributions/{row['id']}/complete",
        json={"url": url, "published_at": "2025-03-16T20:30:00"},
        headers=editor,
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "published_at"
    assert await outbox_events(runtime, "distribution.succeeded") == []  # nothing happened

    in_beijing = posted.astimezone(timezone(timedelta(hours=8)))
    done = await client.post(
        f"/api/v1/distributions/{row['id']}/complete",
        json={
            "url": url,
            "external_id": "6650a1b2c3d4e5f6a7b8c9d0",
            "published_at": in_beijing.isoformat(),
        },
        headers=editor,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "succeeded"
    [sent] = await outbox_events(runtime, "distribution.succeeded")
    assert sent["data"]["external_id"] == "6650a1b2c3d4e5f6a7b8c9d0"
    assert datetime.fromisoformat(sent["data"]["published_at"]) == posted
    assert sent["data"]["published_at"].endswith(("Z", "+00:00"))


async def test_complete_needs_a_url_and_cancel_ends_a_waiting_one(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await xhs_channel(client, editor)
    event = published(workspace_id, [channel_id], cover_url="https://cdn.example.com/c.png")
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    bad = await client.post(
        f"/api/v1/distributions/{row['id']}/complete", json={"url": "not a url"}, headers=editor
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "url"
    cancelled = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert cancelled.json()["status"] == "cancelled"
    [failed] = await outbox_events(runtime, "distribution.failed")
    assert failed["data"]["reasons"][0]["code"] == "cancelled"
    again = await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
    assert again.status_code == 409
    retried = await client.post(f"/api/v1/distributions/{row['id']}/retry", headers=editor)
    assert retried.json()["status"] == "awaiting_manual"


async def test_a_deleted_channels_distribution_cannot_be_retried(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await xhs_channel(client, editor)
    event = published(workspace_id, [channel_id])  # no cover: fails the check
    await apply(runtime, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "failed"
    assert await client.delete(f"/api/v1/channels/{channel_id}", headers=editor)
    retried = await client.post(f"/api/v1/distributions/{row['id']}/retry", headers=editor)
    assert retried.status_code == 409
    assert "deleted" in retried.json()["detail"]
