"""What an uploaded file really is: its type from its first bytes (never its name), its
size in pixels and seconds, checked against the caps; a thumbnail for images and a poster
frame for videos; and an image's location taken out of its EXIF before it is kept.

Everything here is blocking (Pillow, an ffmpeg process): callers run it in a thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageOps, UnidentifiedImageError
from servicekit.problems import Invalid, ProblemError, TooLarge

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPE = "image/jpeg"
# The EXIF pointer to the GPS block (the location the picture was taken at).
GPS_IFD = 0x8825


class UnsupportedType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


@dataclass(frozen=True)
class Format:
    name: str  # jpeg, png, gif, webp, mp4
    kind: str  # image, video
    content_type: str
    pillow_name: str | None = None


FORMATS = {
    "jpeg": Format("jpeg", "image", "image/jpeg", "JPEG"),
    "png": Format("png", "image", "image/png", "PNG"),
    "gif": Format("gif", "image", "image/gif", "GIF"),
    "webp": Format("webp", "image", "image/webp", "WEBP"),
    "mp4": Format("mp4", "video", "video/mp4"),
}
ACCEPTED = "JPEG, PNG, GIF or WebP images and MP4 videos"


@dataclass(frozen=True)
class Caps:
    image_max_bytes: int
    video_max_bytes: int
    max_pixels: int
    video_max_seconds: float


@dataclass(frozen=True)
class Inspected:
    """A file fit to keep: what to store (an image without its location) and its facts."""

    format: Format
    data: bytes
    width: int
    height: int
    duration_seconds: float | None
    thumbnail: bytes


def sniff(head: bytes) -> Format | None:
    """The format the first bytes announce (the file's magic number), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FORMATS["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMATS["webp"]
    # ISO base media: a box size, then `ftyp` and a brand.
    if head[4:8] == b"ftyp":
        return FORMATS["mp4"]
    return None


def detect(head: bytes, size: int, caps: Caps) -> Format:
    """The file's format from its content, within its size cap; 415 or 413 otherwise."""
    found = sniff(head)
    if found is None:
        raise UnsupportedType.field("file", f"is none of {ACCEPTED} (judged by its content)")
    limit = caps.video_max_bytes if found.kind == "video" else caps.image_max_bytes
    if size > limit:
        raise TooLarge.field(
            "file", f"is {size} bytes; {_a(found.kind)} may have at most {limit}", limit=limit
        )
    if size == 0:
        raise Invalid.field("file", "is empty")
    return found


def _a(kind: str) -> str:
    return f"an {kind}" if kind == "image" else f"a {kind}"


def _malformed(found: Format, why: str) -> Invalid:
    return Invalid.field("file", f"is not a readable {found.name.upper()} {found.kind}: {why}")


def _too_many_pixels(width: int, height: int, caps: Caps) -> None:
    if width * height > caps.max_pixels:
        raise TooLarge.field(
            "file",
            f"is {width}×{height} pixels; at most {caps.max_pixels} pixels are accepted",
            limit=caps.max_pixels,
        )


def _thumbnail(image: Image.Image) -> bytes:
    """A JPEG at most THUMBNAIL_SIZE, turned upright. A JPEG not yet decoded is decoded at
    the smallest scale that still covers the size (libjpeg's DCT scaling: several times
    faster, and the whole stream is still read, so a truncated file still fails)."""
    image.draft("RGB", THUMBNAIL_SIZE)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail(THUMBNAIL_SIZE, reducing_gap=3.0)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85)
    return out.getvalue()


def _without_location(image: Image.Image, found: Format, data: bytes) -> bytes:
    """The image's bytes with the GPS block taken out of its EXIF; the bytes as they came
    when there is none (no needless re-encoding)."""
    exif = image.getexif()
    if GPS_IFD not in exif:
        return data
    del exif[GPS_IFD]
    options: dict[str, object] = {"exif": exif.tobytes()}
    if found.name == "jpeg":
        # The original quantisation and sampling: as close to the original as JPEG allows.
        options.update(quality="keep", subsampling="keep")
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    if getattr(image, "is_animated", False):
        options.update(save_all=True)
    out = io.BytesIO()
    image.save(out, found.pillow_name, **options)
    return out.getvalue()


def inspect_image(data: bytes, found: Format, caps: Caps) -> Inspected:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning: our cap is checked below, with a clear answer.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != found.pillow_name:
                raise _malformed(found, f"its content reads as {image.format}")
            _too_many_pixels(image.width, image.height, caps)
            width, height = image.size
            stored = _without_location(image, found, data)
            # Decoded on its own (at a reduced scale where it can be), whether or not the
            # location was taken out: that decode is also what proves the file readable.
            thumbnail = _thumbnail(Image.open(io.BytesIO(data)))
    except ProblemError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
    ) as exc:
        raise _malformed(found, str(exc) or type(exc).__name__) from exc
    return Inspected(found, stored, width, height, None, thumbnail)


def inspect_video(path: Path, data: bytes, found: Format, caps: Caps) -> Inspected:
    """Probe the MP4 at `path` (holding `data`) with the ffmpeg of imageio-ffmpeg and take
    its first frame as the poster."""
    try:
        frames = imageio_ffmpeg.read_frames(str(path))
        meta = next(frames)
        width, height = (int(side) for side in meta["size"])
        duration = float(meta.get("duration") or 0.0)
        if duration <= 0:
            raise _malformed(found, "it has no duration")
        _too_many_pixels(width, height, caps)
        if duration > caps.video_max_seconds:
            raise TooLarge.field(
                "file",
                f"lasts {duration:.1f} s; a video may last at most {caps.video_max_seconds:g} s",
                limit=caps.video_max_seconds,
            )
        first = next(frames, None)
        frames.close()
    except ProblemError:
        raise
    except (RuntimeError, OSError, KeyError, ValueError, StopIteration) as exc:
        raise _malformed(found, "ffmpeg cannot decode it") from exc
    if first is None:
        raise _malformed(found, "it has no frame")
    poster = Image.frombytes("RGB", (width, height), first)
    return Inspected(found, data, width, height, round(duration, 3), _thumbnail(poster))
