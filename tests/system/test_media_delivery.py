"""Library images reach the platforms, through the gateway with every process real: an
owner uploads a cover and a body image to the media library, writes a post listing them
and publishes it to WeChat and Weibo (the fakes). WeChat's article has the library cover
as its permanent material and the body image re-hosted by WeChat; Weibo's status carries
the cover as its picture. channel-svc fetched each file by the signed link the event
carried, through the gateway's public media route."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import httpx
from devstack.stack import Stack
from PIL import Image

from tests.fakes.wechat import WechatFake
from tests.fakes.weibo import WeiboFake
from tests.system.conftest import eventually
from tests.system.test_operator_week import (
    LINK,
    WECHAT_APPID,
    WECHAT_SECRET,
    WEIBO_TOKEN,
    WEIBO_UID,
    wechat,  # noqa: F401 (the fixture)
    weibo,  # noqa: F401 (the fixture)
)
from tests.system.week.api import Headers, add_channel, distributions, ok, sign_up_owner


def _image(image_format: str, color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 500), color).save(out, image_format)
    return out.getvalue()


async def _upload(
    gateway: httpx.AsyncClient, owner: Headers, data: bytes, name: str
) -> dict[str, Any]:
    item: dict[str, Any] = ok(
        await gateway.post(
            "/api/v1/media",
            files={"file": (name, data, "application/octet-stream")},
            headers=owner,
        ),
        201,
    )
    return item


async def test_library_images_reach_wechat_and_weibo(
    stack: Stack,
    gateway: httpx.AsyncClient,
    wechat: tuple[WechatFake, str],  # noqa: F811
    weibo: tuple[WeiboFake, str],  # noqa: F811
) -> None:
    wechat_fake, wechat_url = wechat
    weibo_fake, weibo_url = weibo
    wechat_fake.publish_after_polls = 0  # WeChat confirms on the first status poll
    owner = await sign_up_owner(gateway, "燕麦咖啡馆（图片）")
    cover_bytes, inside_bytes = _image("JPEG", "saddlebrown"), _image("PNG", "wheat")
    cover = await _upload(gateway, owner, cover_bytes, "封面.jpg")
    inside = await _upload(gateway, owner, inside_bytes, "拉花.png")
    channel_ids = [
        (
            await add_channel(
                gateway,
                owner,
                {
                    "platform": "wechat_oa",
                    "name": "燕麦咖啡公众号",
                    "config": {"base_url": wechat_url, "link_template": LINK},
                    "credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
                },
            )
        )["id"],
        (
            await add_channel(
                gateway,
                owner,
                {
                    "platform": "weibo",
                    "name": "燕麦咖啡微博",
                    "config": {
                        "base_url": weibo_url,
                        "safe_domain": "example.com",
                        "link_template": LINK,
                    },
                    "credentials": {"access_token": WEIBO_TOKEN, "uid": WEIBO_UID},
                },
            )
        )["id"],
    ]
    post = ok(
        await gateway.post(
            "/api/v1/posts",
            json={
                "title": "拉花入门",
                "summary": "三步学会心形拉花。",
                # An outside cover too: the library's first image wins over it.
                "cover_url": f"{wechat_url}/_fake/images/cover.png",
                "body_markdown": "## 打发奶泡\n\n奶泡要细腻，温度在六十度左右。",
                "media_ids": [cover["id"], inside["id"]],
            },
            headers=owner,
        ),
        201,
    )

    async def published() -> dict[str, Any] | None:
        response = await gateway.post(
            f"/api/v1/posts/{post['id']}/publish",
            json={"channel_ids": channel_ids},
            headers=owner,
        )
        if response.status_code == 422 and "channel_ids" in response.text:
            return None  # content-svc has not learnt the channels yet
        body: dict[str, Any] = ok(response)
        return body

    await eventually(published, timeout=20)

    async def settled() -> list[dict[str, Any]] | None:
        rows = await distributions(gateway, owner, post["id"])
        done = len(rows) == 2 and all(r["status"] in ("succeeded", "failed") for r in rows)
        return rows if done else None

    rows = await eventually(settled, timeout=60)
    failures = [(r["error_code"], r["last_error"]) for r in rows if r["status"] != "succeeded"]
    assert failures == []

    account = wechat_fake.accounts[WECHAT_APPID]
    [article] = [p.article for p in wechat_fake.published()]
    assert account.materials[article["thumb_media_id"]]["sha256"] == cover["sha256"]
    [hosted] = account.images
    assert account.image_files[hosted] == hashlib.sha256(inside_bytes).hexdigest()
    assert f'src="{hosted}"' in article["content"]
    [status] = weibo_fake.statuses()
    [pic_id] = status["pic_ids"]
    assert weibo_fake.pictures[pic_id] == cover_bytes


def _portrait(color: str) -> bytes:
    """A 3:4 photo, the shape a Xiaohongshu note takes."""
    out = io.BytesIO()
    Image.new("RGB", (900, 1200), color).save(out, "JPEG")
    return out.getvalue()


async def test_an_image_note_for_xiaohongshu_and_an_article_with_a_placed_image(
    stack: Stack,
    gateway: httpx.AsyncClient,
    wechat: tuple[WechatFake, str],  # noqa: F811
) -> None:
    """One post, two versions: the WeChat article places a library image inside its body
    (Markdown `media:`), and the Xiaohongshu variant is an image note of three portrait
    photos with its own short title, handed off as a zip with the photos in order."""
    wechat_fake, wechat_url = wechat
    wechat_fake.publish_after_polls = 0
    owner = await sign_up_owner(gateway, "燕麦咖啡馆（笔记）")
    cover_bytes, placed_bytes = _image("JPEG", "sienna"), _image("PNG", "bisque")
    cover = await _upload(gateway, owner, cover_bytes, "封面.jpg")
    placed = await _upload(gateway, owner, placed_bytes, "奶泡.png")
    photos = [_portrait(color) for color in ("tan", "peru", "chocolate")]
    note_media = [await _upload(gateway, owner, data, f"{n}.jpg") for n, data in enumerate(photos)]
    wechat_id = (
        await add_channel(
            gateway,
            owner,
            {
                "platform": "wechat_oa",
                "name": "燕麦咖啡公众号",
                "config": {"base_url": wechat_url, "link_template": LINK},
                "credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
            },
        )
    )["id"]
    note_id = (
        await add_channel(
            gateway,
            owner,
            {
                "platform": "xiaohongshu",
                "name": "燕麦咖啡小红书",
                "config": {"account_name": "燕麦咖啡", "link_template": LINK},
            },
        )
    )["id"]
    post = ok(
        await gateway.post(
            "/api/v1/posts",
            json={
                "title": "在家做一杯不分层的燕麦拿铁：三个步骤和两个常见误区",
                "summary": "温度、比例和倒法。",
                "body_markdown": (
                    "## 打发奶泡\n\n奶泡要细腻。\n\n"
                    f"![细腻的奶泡](media:{placed['id']})\n\n温度在六十度左右。"
                ),
                "media_ids": [cover["id"]],
            },
            headers=owner,
        ),
        201,
    )
    # Xiaohongshu: a title of at most 20 characters, and the three photos as the note.
    ok(
        await gateway.put(
            f"/api/v1/posts/{post['id']}/variants/{note_id}",
            json={
                "title": "燕麦拿铁不分层的秘密",
                "body_markdown": "温度、比例和倒法，三步搞定 #燕麦拿铁",
                "media_ids": [item["id"] for item in note_media],
            },
            headers=owner,
        )
    )

    async def published() -> dict[str, Any] | None:
        response = await gateway.post(
            f"/api/v1/posts/{post['id']}/publish",
            json={"channel_ids": [wechat_id, note_id]},
            headers=owner,
        )
        if response.status_code == 422 and "channel_ids" in response.text:
            return None  # content-svc has not learnt the channels yet
        body: dict[str, Any] = ok(response)
        return body

    await eventually(published, timeout=20)

    async def settled() -> dict[str, dict[str, Any]] | None:
        rows = await distributions(gateway, owner, post["id"])
        done = {r["channel_id"]: r for r in rows if r["status"] != "pending"}
        ready = done.get(wechat_id, {}).get("status") in ("succeeded", "failed") and done.get(
            note_id, {}
        ).get("status") in ("awaiting_manual", "failed")
        return done if ready else None

    rows = await eventually(settled, timeout=60)
    assert rows[wechat_id]["status"] == "succeeded", rows[wechat_id]["last_error"]
    assert rows[note_id]["status"] == "awaiting_manual", rows[note_id]["last_error"]

    # WeChat: the library cover as material, the placed image re-hosted where it stood.
    account = wechat_fake.accounts[WECHAT_APPID]
    [article] = [p.article for p in wechat_fake.published()]
    assert account.materials[article["thumb_media_id"]]["sha256"] == cover["sha256"]
    [hosted] = account.images
    assert account.image_files[hosted] == hashlib.sha256(placed_bytes).hexdigest()
    content = article["content"]
    assert content.index("奶泡要细腻") < content.index(f'src="{hosted}"')
    assert content.index(f'src="{hosted}"') < content.index("温度在六十度左右")
    assert "media:" not in content

    # Xiaohongshu: the hand-off package carries the variant and the photos in order.
    package = await gateway.get(
        f"/api/v1/distributions/{rows[note_id]['id']}/package.zip", headers=owner
    )
    assert package.status_code == 200, package.text
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        names = archive.namelist()
        assert archive.read("title.txt").decode("utf-8").strip() == "燕麦拿铁不分层的秘密"
        files = sorted(name for name in names if name.startswith("media/"))
        assert [archive.read(name) for name in files] == photos
