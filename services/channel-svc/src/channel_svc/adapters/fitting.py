"""A library image made to fit what a platform takes: unchanged when it already does,
otherwise re-encoded as a JPEG, made smaller step by step until it is under the cap.

A phone photo is often 3 to 8 MB, and WeChat's article images take 1 MB at most (JPEG or
PNG) where the post's own rules (the catalogue's, checked before sending) allow 10 MB
and GIF: refusing those would refuse most posts. An animated GIF becomes its first frame
where GIF is not taken.
"""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from channel_svc.adapters.common import ImageUnavailable

JPEG = "image/jpeg"
# Longest sides tried, largest first, each at two qualities: sharp enough for a phone
# screen at the smaller sizes.
SIDES = (4096, 2560, 1920, 1440, 1080, 800)
QUALITIES = (85, 70)


def _flattened(image: Image.Image) -> Image.Image:
    """RGB for a JPEG, transparent areas white (a logo's background), not black."""
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def _shrunk(data: bytes, max_bytes: int) -> bytes | None:
    with Image.open(io.BytesIO(data)) as opened:
        # A JPEG decodes at a fraction of its size when that is all we keep: a 50 MP photo
        # then never holds its full pixels in memory.
        opened.draft("RGB", (SIDES[0], SIDES[0]))
        image = _flattened(ImageOps.exif_transpose(opened))
    for side in SIDES:
        if max(image.size) > side:
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in QUALITIES:
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= max_bytes:
                return out.getvalue()
    return None


async def fitted(
    data: bytes, content_type: str, *, types: frozenset[str], max_bytes: int, name: str
) -> tuple[bytes, str]:
    """`data` as the platform takes it (one of `types`, at most `max_bytes`), and its
    content type; `ImageUnavailable` when it cannot be made so (`name` says which image)."""
    if content_type in types and len(data) <= max_bytes:
        return data, content_type
    if JPEG not in types:
        raise ImageUnavailable(f"{name} is {content_type}, which cannot be sent", transient=False)
    try:
        shrunk = await asyncio.to_thread(_shrunk, data, max_bytes)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageUnavailable(
            f"{name} cannot be read as an image ({exc})", transient=False
        ) from exc
    if shrunk is None:
        raise ImageUnavailable(
            f"{name} stays over {max_bytes // (1024 * 1024)} MB even made small", transient=False
        )
    return shrunk, JPEG
