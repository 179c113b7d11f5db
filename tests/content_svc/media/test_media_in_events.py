"""`post.published` carries the post's library media, in the post's order, each with a
download URL signed for days: published now, at its scheduled time, to more channels
later, and at each occurrence of a recurring post."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.models import MediaItem
from content_svc.posts.publishing import publish_due
from content_svc.recurrence.service import release_due
from event_contracts import PostPublishedV1
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select, update

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, media_library
from tests.content_svc.media.conftest import Uploader, fetch
from tests.content_svc.media.files import image_bytes, jpeg_with_location
from tests.content_svc.posts.outbox import published_events

POSTS = "/api/v1/posts"
THREE_DAYS = timedelta(days=3)


async def _library_post(
    upload: Uploader, create_post: PostFactory
) -> tuple[dict[str, Any], list[bytes]]:
    """A post listing a JPEG then a PNG of the library, and the bytes of each."""
    files = [image_bytes("JPEG", (1080, 1440), "red"), image_bytes("PNG", (800, 600), "blue")]
    ids = []
    for data, name in zip(files, ("cover.jpg", "inside.png"), strict=True):
        response = await upload(data, name)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return await create_post(media_ids=ids), files


async def _publish(
    client: httpx.AsyncClient, workspace: Workspace, post_id: str, **body: Any
) -> None:
    response = await client.post(
        f"{POSTS}/{post_id}/publish", json=body, headers=workspace.headers("owner")
    )
    assert response.status_code == 200, response.text


async def _write_body(
    client: httpx.AsyncClient, workspace: Workspace, post: dict[str, Any], markdown: str
) -> None:
    edited = await client.patch(
        f"{POSTS}/{post['id']}",
        json={"version": post["version"], "body_markdown": markdown},
        headers=workspace.headers("editor"),
    )
    assert edited.status_code == 200, edited.text


async def _check_media(
    client: httpx.AsyncClient, event: PostPublishedV1, post: dict[str, Any], files: list[bytes]
) -> None:
    assert [m.media_id for m in event.media] == post["media_ids"]
    cover, inside = event.media
    assert (cover.kind, cover.content_type, cover.width, cover.height) == (
        "image",
        "image/jpeg",
        1080,
        1440,
    )
    assert (inside.content_type, inside.width, inside.height) == ("image/png", 800, 600)
    # The URL alone downloads the file, and the file is the one the reference describes.
    for medium, data in zip(event.media, files, strict=True):
        downloaded = await fetch(client, medium.url)
        assert downloaded.status_code == 200
        assert downloaded.content == data  # neither carries a location: kept as uploaded
        assert hashlib.sha256(downloaded.content).hexdigest() == medium.sha256
        assert len(downloaded.content) == medium.size_bytes
        assert medium.duration_seconds is None
        # Valid for days (CONTENT_MEDIA_DELIVERY_LINK_SECONDS), not the API's hour.
        assert medium.url_expires_at > datetime.now(UTC) + THREE_DAYS - timedelta(hours=1)


async def test_published_now_and_to_more_channels_the_event_carries_the_media(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post, files = await _library_post(upload, create_post)
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    await _publish(client, workspace, post["id"], channel_ids=[wechat])
    added = await client.post(
        f"{POSTS}/{post['id']}/channels", json={"channel_ids": [weibo]}, headers=workspace.headers()
    )
    assert added.status_code == 200, added.text

    first, more = await published_events(runtime)
    await _check_media(client, first, post, files)
    await _check_media(client, more, post, files)


async def test_scheduled_and_recurring_publications_sign_the_media_when_they_go_out(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post, files = await _library_post(upload, create_post)
    channel = await known_channel(platform="weibo")
    when = datetime.now(UTC) + timedelta(minutes=10)
    await _publish(
        client, workspace, post["id"], channel_ids=[channel], scheduled_at=when.isoformat()
    )
    async with runtime.db.transaction() as session:
        assert await publish_due(session, media_library(runtime), now=when) == 1
    until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    recurring = await client.put(
        f"{POSTS}/{post['id']}/recurrence",
        json={"every_days": 7, "until": until},
        headers=workspace.headers("editor"),
    )
    assert recurring.status_code == 200, recurring.text
    async with runtime.db.transaction() as session:
        later = when + timedelta(days=7, minutes=1)
        assert await release_due(session, media_library(runtime), now=later) == 1

    at_its_time, occurrence = await published_events(runtime)
    assert occurrence.occurrence == 1
    await _check_media(client, at_its_time, post, files)
    await _check_media(client, occurrence, post, files)


async def test_a_post_without_media_and_an_older_event_carry_an_empty_list(
    runtime: ServiceRuntime,
    client: httpx.AsyncClient,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post = await create_post()
    channel = await known_channel(platform="weibo")
    await _publish(client, workspace, post["id"], channel_ids=[channel])
    [event] = await published_events(runtime)
    assert event.media == []
    older = event.model_dump(mode="json", exclude={"media"})
    assert PostPublishedV1.model_validate(older).media == []


async def test_an_image_kept_without_its_location_is_described_as_kept(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    uploaded = jpeg_with_location()
    item = await upload(uploaded, "where.jpg")
    assert item.status_code == 201, item.text
    post = await create_post(media_ids=[item.json()["id"]])
    channel = await known_channel(platform="weibo")
    await _publish(client, workspace, post["id"], channel_ids=[channel])

    [event] = await published_events(runtime)
    [medium] = event.media
    downloaded = (await fetch(client, medium.url)).content
    assert downloaded != uploaded  # the location was taken out
    assert hashlib.sha256(downloaded).hexdigest() == medium.sha256
    assert len(downloaded) == medium.size_bytes


async def test_a_variant_with_its_own_media_sends_them_to_its_channel_only(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post, files = await _library_post(upload, create_post)
    wechat = await known_channel(platform="wechat_oa")
    xiaohongshu = await known_channel(platform="xiaohongshu")
    weibo = await known_channel(platform="weibo")
    cover, inside = post["media_ids"]
    for channel, media_ids in ((xiaohongshu, [inside]), (weibo, [])):
        written = await client.put(
            f"{POSTS}/{post['id']}/variants/{channel}",
            json={"media_ids": media_ids},
            headers=workspace.headers("editor"),
        )
        assert written.status_code == 200, written.text
    await _publish(client, workspace, post["id"], channel_ids=[wechat, xiaohongshu, weibo])

    [event] = await published_events(runtime)
    assert [m.media_id for m in event.for_channel(wechat).media] == [cover, inside]
    [only] = event.for_channel(xiaohongshu).media
    assert only.media_id == inside
    assert (await fetch(client, only.url)).content == files[1]
    assert event.for_channel(weibo).media == []  # a text-only status there


async def test_images_the_body_places_point_at_their_delivery_links(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    post, files = await _library_post(upload, create_post)
    cover, inside = post["media_ids"]
    await _write_body(client, workspace, post, f"# 回顾\n\n![拉花](media:{inside})")
    channel = await known_channel(platform="wechat_oa")
    await _publish(client, workspace, post["id"], channel_ids=[channel])

    [event] = await published_events(runtime)
    [placed] = [m for m in event.media if m.media_id == inside]
    assert f'src="{html.escape(placed.url)}"' in event.body_html
    assert "media:" not in event.body_html
    assert (await fetch(client, placed.url)).content == files[1]


async def test_an_item_kept_before_its_files_hash_was_recorded_is_described_as_kept(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    """An item uploaded before the migration that added `file_sha256` (NULL there): its
    kept file is hashed when it first goes out, not described by the upload's hash."""
    item = await upload(jpeg_with_location(), "older.jpg")
    assert item.status_code == 201, item.text
    async with runtime.db.transaction() as session:
        await session.execute(update(MediaItem).values(file_sha256=None))
    post = await create_post(media_ids=[item.json()["id"]])
    channel = await known_channel(platform="weibo")
    await _publish(client, workspace, post["id"], channel_ids=[channel])

    [event] = await published_events(runtime)
    [medium] = event.media
    downloaded = (await fetch(client, medium.url)).content
    assert hashlib.sha256(downloaded).hexdigest() == medium.sha256
    async with runtime.db.transaction() as session:
        kept = await session.scalar(select(MediaItem.file_sha256))
    assert kept == medium.sha256


async def test_the_markdown_bodies_point_at_the_delivery_links_too(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    upload: Uploader,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    # Channels that take Markdown (feeds, webhooks, hand-off packages) send it as it is.
    post, files = await _library_post(upload, create_post)
    cover, inside = post["media_ids"]
    placed_only = (await upload(image_bytes("GIF", (320, 240), "green"), "only.gif")).json()["id"]
    markdown = f"![拉花](media:{placed_only})\n\n`media:{inside}` is how to place one."
    await _write_body(client, workspace, post, markdown)
    webhook = await known_channel(platform="webhook")
    variant = await client.put(
        f"{POSTS}/{post['id']}/variants/{webhook}",
        json={"body_markdown": f"Webhook: ![cover](media:{cover})"},
        headers=workspace.headers("editor"),
    )
    assert variant.status_code == 200, variant.text
    await _publish(client, workspace, post["id"], channel_ids=[webhook])

    [event] = await published_events(runtime)
    urls = {medium.media_id: medium.url for medium in event.media}
    [src] = re.findall(r'<img src="([^"]+)"', event.body_html)
    placed_url = html.unescape(src)
    assert event.body_markdown.startswith(f"![拉花](<{placed_url}>)\n\n")
    assert f"`media:{inside}` is how to place one." in event.body_markdown  # code: kept
    assert (await fetch(client, placed_url)).content == image_bytes("GIF", (320, 240), "green")
    sent = event.for_channel(webhook)
    assert sent.body_markdown == f"Webhook: ![cover](<{urls[cover]}>)"
