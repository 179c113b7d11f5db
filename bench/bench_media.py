"""The media library's figures, each with a baseline from the same run.

1. Uploading a 5 MB image (`POST /api/v1/media`, multipart, in-process over ASGI, SQLite,
   the local store): detection, hashing, Pillow's decode and thumbnail, the dedup lookup,
   the files written and the row committed; against writing the same bytes to the same
   store directly (`LocalMediaStorage.put`).
2. Thumbnails per second of one core: `inspect_image` (decode, checks, a 320×320 JPEG) of
   1080×1440 JPEG photos of noise, one after another in one thread, per second of the
   thread's CPU time (and of the wall clock); the target is 100 a second. Against the
   same files only decoded at the thumbnail's scale (libjpeg's entropy decoding, which no
   thumbnail avoids); and the rate for other kinds of upload (photos, one with a location,
   a 4 MB camera JPEG, PNG, WebP, GIF).
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
from collections.abc import Callable
from pathlib import Path

import httpx
from content_svc.app import create_app, create_runtime
from content_svc.media.inspection import GPS_IFD, covering_size, inspect_image, sniff
from content_svc.media.service import HEAD_BYTES, caps_of
from content_svc.models import Base
from content_svc.settings import Settings
from PIL import Image
from servicekit.settings import SharedSettings

from bench.bench_content import Keys

UPLOADS = 8
SIDE = 1300  # 1300×1300 random RGB as PNG: about 5 MB that no compression shrinks
THUMBNAILS = 100
TARGET = 100  # thumbnails a second of one core


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


def textured(size: tuple[int, int], grain: int = 12) -> Image.Image:
    """Smooth shapes under some grain, like a photo (it compresses like one)."""
    shapes = Image.effect_mandelbrot(size, (-2.0, -1.5, 1.0, 1.5), 80)
    ramp = Image.linear_gradient("L").resize(size)
    picture = Image.merge("RGB", [shapes, ramp, ramp.rotate(180)])
    return Image.blend(picture, Image.effect_noise(size, grain).convert("RGB"), 0.25)


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def uploads() -> dict[str, bytes]:
    """One file of each kind an upload is: photos from phones and cameras (up to 5 MB),
    one carrying its location (stripped before it is kept), screenshots, animations."""
    located = Image.Exif()
    located[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    picture = textured((1080, 1440))
    return {
        "1080×1440 JPEG": encoded(picture, "JPEG", quality=85),
        "the same with a location": encoded(picture, "JPEG", quality=85, exif=located.tobytes()),
        "4000×3000 JPEG": encoded(textured((4000, 3000), 30), "JPEG", quality=92),
        "1080×1440 PNG": encoded(picture, "PNG"),
        "1080×1440 WebP": encoded(picture, "WEBP", quality=80),
        "800×600 GIF": encoded(textured((800, 600)).convert("P"), "GIF"),
    }


def cpu_rate(files: list[bytes], work: Callable[[bytes], object], count: int) -> float:
    """Calls of `work` a second of the thread's CPU time (which other load on a shared
    machine stretches far less than the wall clock)."""
    work(files[0])  # warm up
    started = time.thread_time()
    for index in range(count):
        work(files[index % len(files)])
    return count / (time.thread_time() - started)


def decoded(data: bytes) -> None:
    """What no thumbnail can go without: the JPEG decoded at the thumbnail's scale."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", covering_size(image.size))  # the scale `inspect_image` decodes at
    image.decodermaxblock = len(data)
    image.load()


def thumbnails_per_second() -> list[str]:
    caps = caps_of(Settings())

    def inspected(data: bytes) -> None:
        found = sniff(data[:HEAD_BYTES])
        assert found is not None
        inspect_image(data, found, caps)

    photos = [photo() for _ in range(10)]
    started = time.perf_counter()
    rate = cpu_rate(photos, inspected, THUMBNAILS)
    wall_rate = THUMBNAILS / (time.perf_counter() - started)
    decode_rate = cpu_rate(photos, decoded, THUMBNAILS)
    verdict = "met" if rate >= TARGET else "missed"
    per_kind = ", ".join(
        f"{name} ({len(data) / 1_000_000:.2f} MB) {cpu_rate([data], inspected, 20):.0f}"
        for name, data in uploads().items()
    )
    return [
        f"- thumbnails of 1080×1440 noise JPEGs (decode, checks, 320×320 JPEG), one thread: "
        f"**{rate:.0f} a second of CPU time** (target {TARGET}: {verdict}), "
        f"{wall_rate:.0f} a second of wall clock; decoding them alone at the thumbnail's "
        f"scale: {decode_rate:.0f} a second (ratio {rate / decode_rate:.2f})",
        f"- thumbnails a second of CPU time of other uploads: {per_kind}",
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
