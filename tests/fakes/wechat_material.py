"""The WeChat fake's image uploads: permanent materials and article images.

The documented rules, enforced on the file's content (its first bytes), not its name:
- `cgi-bin/material/add_material?type=image`: bmp, png, jpeg/jpg or gif, at most 10 MB;
  `type=thumb`: jpg, at most 64 KB. Answers `{media_id, url}`; the media id is what a
  draft's `thumb_media_id` must name (`draft/add` answers 40007 for one never issued).
- `cgi-bin/media/uploadimg`: jpg or png only, at most 1 MB. Answers `{url}` on
  mmbiz.qpic.cn, the only image host an article keeps.
Codes: 40005 invalid file type, 40009 invalid image size, 40012 invalid thumb size,
41005 no `media` part, 40004 an unknown material type.

Tests read what was uploaded from `Account.materials` and `Account.image_files` (url →
SHA-256 of the bytes received).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.forms import files
from tests.fakes.wechat_followers import error

MB = 1024 * 1024
IMAGE_MAX = 10 * MB
THUMB_MAX = 64 * 1024
ARTICLE_IMAGE_MAX = 1 * MB
MATERIAL_FORMATS = frozenset({"bmp", "png", "jpeg", "gif"})
ARTICLE_IMAGE_FORMATS = frozenset({"png", "jpeg"})
MATERIAL_TYPES = ("image", "thumb", "voice", "video")


def image_format(data: bytes) -> str | None:
    """The image format the bytes are, by their signature."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    return None


def _refusal(data: bytes, formats: frozenset[str], max_bytes: int, size_code: int) -> Any:
    if image_format(data) not in formats:
        return error(40005, "invalid file type")
    if len(data) > max_bytes:
        return error(size_code, "invalid image size" if size_code == 40009 else "invalid size")
    return None


def install(app: FastAPI, fake: Any) -> None:
    """Add the image uploads to the WeChat fake `app` (state `fake`)."""

    async def received(request: Request, access_token: str) -> tuple[Any, bytes] | JSONResponse:
        """The caller's account and the file of the `media` part, or the refusal."""
        with fake.lock:
            account = fake.authenticate(access_token)
        if isinstance(account, JSONResponse):
            return account
        media = (await files(request)).get("media")
        if media is None or not media[1]:
            return error(41005, "media data missing")
        return account, media[1]

    def counted(account: Any, api: str) -> JSONResponse | None:
        with fake.lock:
            over: JSONResponse | None = fake.count(account, api)
        return over

    @app.post("/cgi-bin/material/add_material")
    async def add_material(request: Request, access_token: str = "", type: str = "") -> Any:
        answer = await received(request, access_token)
        if isinstance(answer, JSONResponse):
            return answer
        if type not in MATERIAL_TYPES:
            return error(40004, "invalid media type")
        account, data = answer
        if type == "thumb":
            refused = _refusal(data, frozenset({"jpeg"}), THUMB_MAX, 40012)
        else:
            refused = _refusal(data, MATERIAL_FORMATS, IMAGE_MAX, 40009)
        refused = refused or counted(account, "material/add_material")
        if refused is not None:
            return refused
        with fake.lock:
            media_id = fake._new_id("MEDIA_")
            url = f"https://mmbiz.qpic.cn/mmbiz_png/{media_id}/0"
            account.materials[media_id] = {
                "type": type,
                "url": url,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        return JSONResponse({"media_id": media_id, "url": url})

    @app.post("/cgi-bin/media/uploadimg")
    async def uploadimg(request: Request, access_token: str = "") -> Any:
        answer = await received(request, access_token)
        if isinstance(answer, JSONResponse):
            return answer
        account, data = answer
        refused = _refusal(data, ARTICLE_IMAGE_FORMATS, ARTICLE_IMAGE_MAX, 40009)
        refused = refused or counted(account, "media/uploadimg")
        if refused is not None:
            return refused
        with fake.lock:
            url = f"http://mmbiz.qpic.cn/mmbiz_png/{fake._new_id('IMG_')}/0"
            account.images.append(url)
            account.image_files[url] = hashlib.sha256(data).hexdigest()
        return JSONResponse({"url": url})
