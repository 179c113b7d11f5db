"""A WeChat article made from the post's library images (the fakes, over real HTTP): the
first uploaded as the cover material, the others as article images in place of their
links, each downloaded once and checked against its reference; files WeChat would refuse,
and links that lie or expired, fail with words that never quote the signed link."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from event_contracts import MediaReference

from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET
from tests.channel_svc.helpers import (
    article,
    distribution_of,
    killed_during,
    running_replica,
    settled,
    until,
    wechat_channel,
)
from tests.fakes.media_files import MediaFiles, noise, picture
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]


def _body(placed: MediaReference) -> dict[str, str]:
    """A body that places `placed` (by its link, as a resolved `media:` reference does)."""
    return {
        "body_markdown": f"## 亮点\n\n![细节]({placed.url})\n\n新品上市。",
        "body_html": f'<h2>亮点</h2><p><img src="{placed.url}" alt="细节"></p><p>新品上市。</p>',
    }


async def test_the_library_images_become_the_cover_and_the_articles_own_images(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    media_files: MediaFiles,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake, base = wechat
    cover = media_files.image("JPEG", "red")
    placed = media_files.image("PNG", "green")
    after = media_files.image("JPEG", "blue")
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, media=[cover, placed, after], **_body(placed))
    row, done = await settled(client, editor, worker, event, channel_id)

    assert done["status"] == "succeeded", done
    account = fake.accounts[WECHAT_APPID]
    sent = fake.published()[0].article
    # The library's first image is the cover, not the outside `cover_url`.
    assert account.materials[sent["thumb_media_id"]]["sha256"] == cover.sha256
    assert len(account.materials) == 1
    # The other two are WeChat's article images: the placed one where it was, the other
    # after the body; the article holds no link to the library.
    hosted = {sha: url for url, sha in account.image_files.items()}
    content = sent["content"]
    assert media_files.base_url not in content
    assert content.index(f'src="{hosted[placed.sha256]}"') < content.index("新品上市")
    assert content.index(f'src="{hosted[after.sha256]}"') < content.index("— 品牌官方")
    assert content.index("新品上市") < content.index(f'src="{hosted[after.sha256]}"')
    assert cover.sha256 not in hosted
    # The signed links were fetched, and written down nowhere.
    assert all(media_files.requests[m.media_id] == 1 for m in (cover, placed, after))
    logged = caplog.text + capsys.readouterr().out
    assert f"/files/{cover.media_id}" in logged
    assert media_files.signature not in logged


async def test_a_resumed_delivery_uploads_and_downloads_nothing_twice(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    media_files: MediaFiles,
    settings_for: Callable[..., Settings],
) -> None:
    fake, base = wechat
    media = [media_files.image("JPEG", "red"), media_files.image("PNG", "green")]
    channel_id = await wechat_channel(client, editor, base)
    # No outside cover: the library's first image is the one WeChat needs.
    event = article(workspace_id, [channel_id], base, media=media, cover_url=None)
    account = fake.accounts[WECHAT_APPID]
    # The worker is gone while the draft is on the wire, after the uploads.
    await killed_during(runtime, event, fake, "/cgi-bin/draft/add", then=lambda: account.drafts)
    async with running_replica(settings_for()):
        row = await distribution_of(client, editor, event.data["post_id"], channel_id)
        done = await until(client, editor, row["id"])

    assert done["status"] == "succeeded", done
    assert fake.requests.count("/cgi-bin/material/add_material") == 1
    assert list(account.image_files.values()).count(media[1].sha256) == 1
    assert all(media_files.requests[medium.media_id] == 1 for medium in media)


async def _failed(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    base: str,
    media: list[MediaReference],
) -> dict[str, str]:
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, media=media)
    _, done = await settled(client, editor, worker, event, channel_id)
    assert done["status"] == "failed", done
    assert done["error_code"] == "image_unavailable"
    return done


async def test_images_wechat_would_refuse_go_as_jpegs_that_fit(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    media_files: MediaFiles,
) -> None:
    """A GIF and a 2 MB photo in the body: WeChat's article images take JPEG or PNG up to
    1 MB (the fake refuses anything else, 40005 and 40009)."""
    fake, base = wechat
    photo = media_files.add(noise("JPEG", 1400), "image/jpeg")
    assert photo.size_bytes > 1024 * 1024
    gif = media_files.image("GIF", "green")
    channel_id = await wechat_channel(client, editor, base)
    event = article(workspace_id, [channel_id], base, media=[media_files.image(), gif, photo])
    _, done = await settled(client, editor, worker, event, channel_id)

    assert done["status"] == "succeeded", done
    assert len(fake.accounts[WECHAT_APPID].images) == 3  # the outside body image, and these
    assert fake.requests.count("/cgi-bin/media/uploadimg") == 3  # each taken at once


async def test_a_file_that_is_no_image_fails_before_anything_is_sent(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    media_files: MediaFiles,
) -> None:
    fake, base = wechat
    broken = media_files.add(b"GIF89a but not really", "image/gif")
    done = await _failed(
        client, worker, editor, workspace_id, base, [media_files.image("JPEG"), broken]
    )
    assert f"library image {broken.media_id} cannot be read as an image" in done["last_error"]
    assert fake.accounts[WECHAT_APPID].images == []
    assert "/cgi-bin/draft/add" not in fake.requests


async def test_a_file_that_is_not_the_one_described_or_an_expired_link_fails(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    media_files: MediaFiles,
) -> None:
    fake, base = wechat
    other = picture("JPEG", color="black")
    swapped = media_files.image("JPEG", size_bytes=len(other))
    media_files.files[swapped.media_id] = (other, "image/jpeg")
    done = await _failed(client, worker, editor, workspace_id, base, [swapped])
    assert "is not the file its reference describes" in done["last_error"]
    assert media_files.signature not in done["last_error"]
    assert "127.0.0.1" in done["last_error"]  # the host, to know where it came from

    media_files.expired = True
    done = await _failed(client, worker, editor, workspace_id, base, [media_files.image()])
    assert "answered HTTP 404: its download link may have expired" in done["last_error"]
    assert media_files.signature not in done["last_error"]
    assert fake.accounts[WECHAT_APPID].materials == {}


async def test_the_fake_holds_wechats_rules_for_uploaded_images(wechat: Fake) -> None:
    """What the adapter's own checks stand in for: the platform's refusals, by code."""
    _, base = wechat
    async with httpx.AsyncClient(base_url=base) as http:
        token = (
            await http.get(
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": WECHAT_APPID,
                    "secret": WECHAT_SECRET,
                },
            )
        ).json()["access_token"]

        async def upload(path: str, data: bytes, **params: str) -> int:
            answer = await http.post(
                path,
                params={"access_token": token, **params},
                files={"media": ("x.jpg", data, "image/jpeg")},
            )
            return int(answer.json().get("errcode", 0))

        big_png = picture("PNG", size=(1200, 1200), color="white") + b"\0" * (1024 * 1024)
        assert await upload("/cgi-bin/media/uploadimg", picture("GIF")) == 40005
        assert await upload("/cgi-bin/media/uploadimg", big_png) == 40009
        assert await upload("/cgi-bin/media/uploadimg", picture("PNG")) == 0
        assert (
            await upload("/cgi-bin/material/add_material", b"RIFF\0\0\0\0WEBP", type="image")
            == 40005
        )
        assert await upload("/cgi-bin/material/add_material", picture("GIF"), type="image") == 0
        draft = await http.post(
            "/cgi-bin/draft/add",
            params={"access_token": token},
            json={"articles": [{"title": "t", "content": "<p>c</p>", "thumb_media_id": "NOPE"}]},
        )
        assert draft.json()["errcode"] == 40007
