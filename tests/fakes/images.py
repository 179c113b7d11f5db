"""Tiny images the fakes serve as the "outside" images a post refers to
(`/_fake/images/{name}`): a valid PNG, or a WebP header when the name ends in `.webp`
(a format some platforms refuse)."""

from __future__ import annotations

import base64

from fastapi.responses import Response

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"
    b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


def image_response(name: str) -> Response:
    if name.endswith(".webp"):
        return Response(WEBP, media_type="image/webp")
    return Response(PNG, media_type="image/png")
