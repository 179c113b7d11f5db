"""A WeChat article with the post's library images, so that it holds no outside image.

The first library image is the cover: a permanent material (`material/add_material`,
`type=image`) whose media id is the draft's `thumb_media_id`. Every other library image,
and the first too where the body places it, is re-hosted as an article image
(`media/uploadimg`) and the article shows WeChat's copy: in place where the body names
the image (by its download URL: post.published places `media:<id>` images so), after the body
otherwise, in the post's order.

What was uploaded is kept in the distribution's progress by the file's SHA-256
(`materials`: sha → media id, `article_images`: sha → url), saved after each upload, so
a retried delivery uploads nothing twice. A file WeChat would refuse as it is (article
images: JPEG or PNG up to 1 MB; materials: JPEG, PNG, GIF or BMP up to 10 MB) is sent
re-encoded as a JPEG that fits (`fitting`).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from event_contracts import MediaReference

from channel_svc.adapters.base import Progress, UnlockedChannel
from channel_svc.adapters.fitting import fitted
from channel_svc.adapters.media import fetch_medium, file_name
from channel_svc.rendering.render import SIGNATURE_STYLE

if TYPE_CHECKING:
    from channel_svc.adapters.wechat import WechatAdapter

MB = 1024 * 1024
MATERIAL_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp"})
MATERIAL_MAX_BYTES = 10 * MB
ARTICLE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
ARTICLE_IMAGE_MAX_BYTES = 1 * MB


async def _fitting(
    adapter: WechatAdapter, medium: MediaReference, types: frozenset[str], max_bytes: int
) -> dict[str, tuple[str, bytes, str]]:
    """The medium downloaded and made to fit (`fitting`), as the upload's `media` part."""
    data = await fetch_medium(adapter.http(), medium)
    name = f"library image {medium.media_id}"
    data, content_type = await fitted(
        data, medium.content_type, types=types, max_bytes=max_bytes, name=name
    )
    return {"media": (file_name(medium, content_type), data, content_type)}


async def library_cover(
    adapter: WechatAdapter, channel: UnlockedChannel, progress: Progress, medium: MediaReference
) -> str:
    """The permanent material id of the cover, uploaded once per distribution."""
    materials: dict[str, str] = dict(progress.data.get("materials") or {})
    if medium.sha256 in materials:
        return materials[medium.sha256]
    files = await _fitting(adapter, medium, MATERIAL_TYPES, MATERIAL_MAX_BYTES)
    await progress.step()  # the download may have taken a while
    answer = await adapter._call(
        channel, "/cgi-bin/material/add_material", params={"type": "image"}, files=files
    )
    materials[medium.sha256] = str(answer["media_id"])
    await progress.save(materials=materials)
    return materials[medium.sha256]


def _placed(content: str, medium: MediaReference) -> bool:
    return medium.url in content or html.escape(medium.url) in content


def in_article(content: str, images: list[MediaReference]) -> list[MediaReference]:
    """The library images the article shows: those the body places, and all but the
    cover."""
    return [m for index, m in enumerate(images) if index > 0 or _placed(content, m)]


async def host_article_images(
    adapter: WechatAdapter,
    channel: UnlockedChannel,
    progress: Progress,
    media: list[MediaReference],
) -> dict[str, str]:
    """WeChat's URL of each image, by SHA-256, each uploaded once per distribution."""
    hosted: dict[str, str] = dict(progress.data.get("article_images") or {})
    for medium in media:
        if medium.sha256 in hosted:
            continue
        files = await _fitting(adapter, medium, ARTICLE_IMAGE_TYPES, ARTICLE_IMAGE_MAX_BYTES)
        await progress.step()
        answer = await adapter._call(channel, "/cgi-bin/media/uploadimg", files=files)
        hosted[medium.sha256] = str(answer["url"])
        await progress.save(article_images=dict(hosted))
    return hosted


def with_hosted_images(content: str, media: list[MediaReference], hosted: dict[str, str]) -> str:
    """The article HTML with each library image as WeChat's copy: in place where the body
    names it, after the body (before the channel's signature) otherwise."""
    appended: list[str] = []
    for medium in media:
        url = hosted[medium.sha256]
        if _placed(content, medium):
            content = content.replace(html.escape(medium.url), url).replace(medium.url, url)
        else:
            appended.append(f'<p><img src="{url}" alt=""/></p>')
    if not appended:
        return content
    images = "\n".join(appended)
    for end in (f'<p style="{SIGNATURE_STYLE}">', "</section>"):
        head, found, tail = content.rpartition(end)
        if found:
            return f"{head}{images}\n{found}{tail}"
    return f"{content}\n{images}"
