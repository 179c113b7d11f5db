"""A published post becomes one Weibo status (the fake, over real HTTP): 140 characters
with the canonical link; token refresh, rate limits, repeated content after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings

from tests.channel_svc.conftest import WEIBO_UID, outbox_events
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    fresh_runtime,
    running_replica,
    running_worker,
    settled,
    until,
    weibo_channel,
)
from tests.fakes.images import PNG
from tests.fakes.media_files import MediaFiles, noise
from tests.fakes.weibo import WeiboFake

Fake = tuple[WeiboFake, str]
LONG = "这是一段很长的正文，讲述了发布会的每一个细节。" * 20


async def test_a_post_becomes_one_status_with_the_canonical_link(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    event = article(
        workspace_id,
        [channel_id],
        base,
        summary=None,
        body_markdown=LONG,
        body_html=f"<p>{LONG}</p>",
    )
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    [status] = fake.statuses()
    assert len(status["text"]) <= 140
    assert status["text"].endswith(f"https://www.example.com/p/{event.data['post_id']}")
    assert done["url"] == f"https://weibo.com/{WEIBO_UID}/{status['idstr']}"


async def test_an_expired_token_is_refreshed_once_and_kept(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    fake.expire_token(WEIBO_UID)
    channel_id = await weibo_channel(
        client,
        editor,
        base,
        app_key="fake-app",
        app_secret="fake-app-secret",
        refresh_token="2.00refresh-0123456789",
    )
    first = article(workspace_id, [channel_id], base)
    await apply(worker, first)
    row = await distribution_of(client, editor, first.data["post_id"], channel_id)
    assert (await until(client, editor, row["id"]))["status"] == "succeeded"
    # The refreshed token was stored: the next post needs no refresh.
    second = article(workspace_id, [channel_id], base, title="第二条")
    await apply(worker, second)
    row = await distribution_of(client, editor, second.data["post_id"], channel_id)
    assert (await until(client, editor, row["id"]))["status"] == "succeeded"
    assert fake.requests.count("/oauth2/access_token") == 1
    assert len(fake.statuses()) == 2


async def test_an_expired_token_without_a_refresh_token_needs_reauth(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    fake.expire_token(WEIBO_UID)
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert (done["status"], done["error_code"]) == ("failed", "weibo_21327")
    channel = (await client.get(f"/api/v1/channels/{channel_id}", headers=editor)).json()
    assert channel["status"] == "needs_reauth"
    # Told as such, so that the operators hear the channel needs new credentials.
    (failed,) = await outbox_events(worker, "distribution.failed")
    assert failed["data"]["needs_reauth"] is True


async def test_the_hourly_limit_defers_and_the_channels_other_posts_wait_too(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    fake.hourly_limit = 0
    channel_id = await weibo_channel(client, editor, base)
    events = [article(workspace_id, [channel_id], base, title=f"第 {i} 条") for i in range(3)]
    await apply(worker, events[0])
    row = await distribution_of(client, editor, events[0].data["post_id"], channel_id)
    assert (await until(client, editor, row["id"]))["status"] == "deferred"
    # Later posts of the channel wait for the reset without asking the platform again.
    for event in events[1:]:
        row, done = await settled(client, editor, worker, event, channel_id)
        assert (done["status"], done["error_code"]) == ("deferred", "quota_spent")
    await asyncio.sleep(0.2)
    assert fake.requests.count("/2/statuses/share.json") == 1  # one answer was enough


async def test_a_spent_quota_holds_across_a_restart_and_shows_on_the_channel(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    fake.hourly_limit = 0
    channel_id = await weibo_channel(client, editor, base)
    first = article(workspace_id, [channel_id], base, title="第 1 条")
    async with running_worker(runtime):
        await apply(runtime, first)
        row = await distribution_of(client, editor, first.data["post_id"], channel_id)
        assert (await until(client, editor, row["id"]))["status"] == "deferred"
    channel = (await client.get(f"/api/v1/channels/{channel_id}", headers=editor)).json()
    assert channel["quota_blocked_until"] is not None
    assert datetime.fromisoformat(channel["quota_blocked_until"]) > datetime.now(UTC)

    # Restarted (or another replica): the block holds.
    async with running_replica(settings_for()) as restarted:
        second = article(workspace_id, [channel_id], base, title="第 2 条")
        row, done = await settled(client, editor, restarted, second, channel_id)
    assert (done["status"], done["error_code"]) == ("deferred", "quota_spent")
    assert fake.requests.count("/2/statuses/share.json") == 1

    # The operator knows better (the quota was raised): cancelling and sending again goes
    # to the platform at once.
    fake.hourly_limit = 10
    async with running_worker(runtime):
        await client.post(f"/api/v1/distributions/{row['id']}/cancel", headers=editor)
        again = await client.post(f"/api/v1/distributions/{row['id']}/retry", headers=editor)
        assert again.status_code == 200, again.text
        sent = await until(client, editor, row["id"])
    assert sent["status"] == "succeeded"
    channel = (await client.get(f"/api/v1/channels/{channel_id}", headers=editor)).json()
    assert channel["quota_blocked_until"] is None


async def test_repeated_content_after_a_crash_is_recognised_as_sent(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    settings_for: Callable[..., Settings],
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    fake.latency_seconds = 0.5
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    async with running_worker(runtime):
        await apply(runtime, event)
        async with asyncio.timeout(10):
            while "/2/statuses/share.json" not in fake.requests:
                await asyncio.sleep(0.01)
    async with asyncio.timeout(10):  # the platform posts it although we are gone
        while not fake.statuses():
            await asyncio.sleep(0.02)
    fake.latency_seconds = 0
    restarted = await fresh_runtime(settings_for())
    try:
        async with running_worker(restarted):
            row = await distribution_of(client, editor, event.data["post_id"], channel_id)
            done = await until(client, editor, row["id"])
    finally:
        await restarted.db.dispose()
    assert done["status"] == "succeeded", done
    [status] = fake.statuses()
    assert done["external_id"] == status["idstr"]
    assert "/2/statuses/user_timeline.json" in fake.requests


async def test_text_outside_the_safe_domain_is_refused_before_sending(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    body = "详情 https://evil.example.net/x"
    event = article(
        workspace_id,
        [channel_id],
        base,
        summary=body,
        body_markdown=body,
        body_html=f"<p>{body}</p>",
    )
    await apply(worker, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel_id)
    assert row["status"] == "failed"
    assert "link_outside_safe_domain" in {v["code"] for v in row["violations"]}
    assert fake.requests == []


async def test_a_post_with_a_cover_becomes_a_picture_status(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base)
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    [status] = fake.statuses()
    [pic_id] = status["pic_ids"]
    assert fake.pictures[pic_id] == PNG  # the cover, as it was fetched
    text_only = article(workspace_id, [channel_id], base, cover_url=None, title="纯文字")
    await apply(worker, text_only)
    row = await distribution_of(client, editor, text_only.data["post_id"], channel_id)
    assert (await until(client, editor, row["id"]))["status"] == "succeeded"
    assert "pic_ids" not in fake.statuses()[0]


async def test_a_cover_weibo_does_not_take_fails_with_the_reason_and_nothing_is_sent(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
) -> None:
    fake, base = weibo
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, cover_url=f"{base}/_fake/images/cover.webp")
    row, done = await settled(client, editor, worker, event, channel_id)
    assert (done["status"], done["error_code"]) == ("failed", "image_unavailable")
    assert "JPEG, GIF or PNG" in done["last_error"]
    assert "/2/statuses/share.json" not in fake.requests


async def test_the_first_library_image_is_the_status_picture(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
    media_files: MediaFiles,
) -> None:
    fake, base = weibo
    first, second = media_files.image("JPEG", "red"), media_files.image("PNG", "blue")
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, media=[first, second])
    row, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    [status] = fake.statuses()
    [pic_id] = status["pic_ids"]
    assert fake.pictures[pic_id] == media_files.files[first.media_id][0]  # not the cover_url
    assert media_files.requests[second.media_id] == 0


async def test_a_library_photo_of_5_mb_or_more_goes_out_re_encoded_under_it(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    weibo: Fake,
    media_files: MediaFiles,
) -> None:
    fake, base = weibo
    large = noise("PNG", 1400)  # about 5.9 MB of random pixels
    assert len(large) >= 5 * 1024 * 1024
    photo = media_files.add(large, "image/png", width=1400, height=1400)
    channel_id = await weibo_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, media=[photo])
    _, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "succeeded", done
    [status] = fake.statuses()
    [pic_id] = status["pic_ids"]
    sent = fake.pictures[pic_id]
    assert sent.startswith(b"\xff\xd8\xff")  # a JPEG now
    assert len(sent) < 5 * 1024 * 1024
