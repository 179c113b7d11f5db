"""A stand-in for content-svc's signed file links: files served at `/files/{id}?signature=`,
and the `MediaReference` of each as `post.published` would carry it.

`expire()` makes every link answer 404 (as an expired signature does); `requests` counts
the downloads, so a test can see that a retried delivery fetched nothing twice.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from event_contracts import MediaReference
from fastapi import FastAPI
from fastapi.responses import Response
from PIL import Image

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}


def picture(
    image_format: str = "JPEG", size: tuple[int, int] = (64, 48), color: str = "red"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, image_format)
    return out.getvalue()


def noise(image_format: str, side: int) -> bytes:
    """A picture of random pixels: large whatever the format (nothing to compress)."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    options = {"quality": 95} if image_format == "JPEG" else {}
    image.save(out, image_format, **options)
    return out.getvalue()


@dataclass
class MediaFiles:
    base_url: str = ""
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    signature: str = field(default_factory=lambda: secrets.token_hex(8))
    expired: bool = False
    requests: Counter[str] = field(default_factory=Counter)

    def add(self, data: bytes, content_type: str, **overrides: Any) -> MediaReference:
        """A file served from now on, and its reference (`overrides` lie about it)."""
        media_id = str(uuid.uuid4())
        self.files[media_id] = (data, content_type)
        values: dict[str, Any] = {
            "media_id": media_id,
            "kind": "video" if content_type.startswith("video/") else "image",
            "content_type": content_type,
            "width": 64,
            "height": 48,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "url": f"{self.base_url}/files/{media_id}?signature={self.signature}",
            "url_expires_at": datetime.now(UTC) + timedelta(days=3),
            **overrides,
        }
        return MediaReference.model_validate(values)

    def image(
        self, image_format: str = "JPEG", color: str = "red", **overrides: Any
    ) -> MediaReference:
        return self.add(picture(image_format, color=color), FORMATS[image_format], **overrides)


def create_app(files: MediaFiles) -> FastAPI:
    app = FastAPI(title="Signed media file links")

    @app.get("/files/{media_id}")
    async def file(media_id: str, signature: str = "") -> Response:
        files.requests[media_id] += 1
        found = files.files.get(media_id)
        if found is None or files.expired or signature != files.signature:
            return Response(status_code=404)
        data, content_type = found
        return Response(data, media_type=content_type)

    return app
