"""The media library's figures, each with a baseline from the same run.

1. Uploading a 5 MB image (`POST /api/v1/media`, multipart, in-process over ASGI, SQLite,
   the local store): detection, hashing, Pillow's decode and thumbnail, the dedup lookup,
   the files written and the row committed; against writing the same bytes to the same
   store directly (`LocalMediaStorage.put`).
2. Thumbnails per second of one core: `inspect_image` (decode, checks, a 320×320 JPEG) of
   1080×1440 JPEG photos, one after another in one thread; the target is 100 a second.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from content_svc.app import create_app, create_runtime
from content_svc.media.inspection import FORMATS, inspect_image
from content_svc.media.service import caps_of
from content_svc.models import Base
from content_svc.settings import Settings
from PIL import Image
from servicekit.settings import SharedSettings

from bench.bench_content import Keys

UPLOADS = 8
SIDE = 1300  # 1300×1300 random RGB as PNG: about 5 MB that no compression shrinks
THUMBNAILS = 100


def random_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (SIDE, SIDE), os.urandom(SIDE * SIDE * 3)).save(out, "PNG")
    return out.getvalue()


def photo() -> bytes:
    """A 1080×1440 JPEG of noise: the worst case for decoding (about 0.8 MB of entropy)."""
    out = io.BytesIO()
    Image.effect_noise((1080, 1440), 40).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


async def upload_ratio(directory: Path) -> list[str]:
    keys = Keys()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{directory}/content.db",
        media_dir=directory / "media",
        shared=SharedSettings(environment="test", jwks=json.dumps(keys.jwks), log_level="WARNING"),
    )
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    images = [random_png() for _ in range(UPLOADS + 1)]
    headers = keys.headers(str(uuid.uuid4()))
    uploads: list[float] = []
    direct: list[float] = []
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://content") as client:
        for index, data in enumerate(images):
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/media", files={"file": ("bench.png", data)}, headers=headers
            )
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            started = time.perf_counter()
            await runtime.media.storage.put(f"direct/{index}/original", data, "image/png")
            direct_elapsed = time.perf_counter() - started
            if index:  # the first warms imports and caches
                uploads.append(elapsed)
                direct.append(direct_elapsed)
    await runtime.db.dispose()
    upload_ms = statistics.median(uploads) * 1000
    direct_ms = statistics.median(direct) * 1000
    size_mb = len(images[0]) / 1_000_000
    return [
        f"- uploading a {size_mb:.1f} MB PNG: median {upload_ms:.0f} ms over {UPLOADS} uploads, "
        f"against {direct_ms:.1f} ms writing the same bytes to the store: "
        f"ratio {upload_ms / direct_ms:.0f}",
    ]


def thumbnails_per_second() -> list[str]:
    photos = [photo() for _ in range(10)]
    caps = caps_of(Settings())
    inspect_image(photos[0], FORMATS["jpeg"], caps)  # warm up
    started = time.perf_counter()
    for index in range(THUMBNAILS):
        inspect_image(photos[index % len(photos)], FORMATS["jpeg"], caps)
    rate = THUMBNAILS / (time.perf_counter() - started)
    return [
        f"- thumbnails of 1080×1440 noise JPEGs (decode, checks, 320×320 JPEG), one thread: "
        f"{rate:.0f} a second (target 100)",
    ]


def run() -> list[str]:
    lines = ["## content-svc: the media library", ""]
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        lines += asyncio.run(upload_ratio(Path(tmp)))
    lines += thumbnails_per_second()
    lines.append("")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
