"""What an uploaded file really is: its type from its first bytes (never its name), its
size in pixels and seconds, checked against the caps; a thumbnail for images and a poster
frame for videos; and an image's location taken out of its EXIF before it is kept.

Everything here is blocking (Pillow, an ffmpeg process): callers run it in a thread.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageOps, UnidentifiedImageError
from servicekit.problems import Invalid, ProblemError, TooLarge

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_TYPE = "image/jpeg"
# Images (not JPEGs) more than this many times the thumbnail are first reduced by a whole
# factor (fast box averaging), then resampled; see Pillow's `Image.thumbnail`. At 2 rather
# than 3, a 1080×1440 PNG or WebP photo's thumbnail takes half the time and differs from a
# fair Lanczos resampling by 52–55 dB PSNR (nobody sees it; the JPEG path sits near 35).
THUMBNAIL_REDUCING_GAP = 2.0
# What is left to resample after the reduction (or a JPEG's scaled decode) is less than
# about twice the thumbnail. Bilinear there is within 48–50 dB PSNR of Lanczos on photo-like
# pictures (bicubic 52–55), far above what the thumbnail's JPEG encoding keeps (about 35),
# and costs two thirds of bicubic: a tenth of a noise photo's whole thumbnail.
THUMBNAIL_RESAMPLING = Image.Resampling.BILINEAR
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
    """A JPEG at most THUMBNAIL_SIZE, turned upright.

    A JPEG not yet decoded is decoded at the smallest scale that still covers the
    thumbnail's own size (libjpeg's DCT scaling, 1/2 to 1/8: a 1080×1440 photo is decoded
    at 270×360 for its 240×320 thumbnail); the whole stream is still read, so a truncated
    file still fails. What is left to resample is at most twice the thumbnail (see
    THUMBNAIL_RESAMPLING).
    The image is turned and converted in place (a palette image before it is resized,
    which Pillow would otherwise do by nearest neighbour), copied only where a conversion
    must."""
    image.draft("RGB", covering_size(image.size))
    ImageOps.exif_transpose(image, in_place=True)
    upright = image if image.mode == "RGB" else image.convert("RGB")
    upright.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_RESAMPLING, reducing_gap=THUMBNAIL_REDUCING_GAP)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85)
    return out.getvalue()


def covering_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size, aspect kept, that fits THUMBNAIL_SIZE, rounded up: the least a reduced
    decode may give (the box is square, so turning the image upright changes nothing)."""
    width, height = size
    scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height, 1.0)
    return math.ceil(width * scale), math.ceil(height * scale)


def _without_location(image: Image.Image, found: Format, data: bytes) -> bytes:
    """The image's bytes with the GPS block taken out of its EXIF; the bytes as they came
    when there is none (no needless re-encoding). A JPEG's EXIF segment is replaced in
    its bytes, the picture untouched (and not decoded); other formats are re-encoded from
    the image, which the thumbnail is then made from (one decode)."""
    exif = image.getexif()
    if GPS_IFD not in exif:
        return data
    del exif[GPS_IFD]
    if found.name == "jpeg":
        return _jpeg_with_exif(data, exif.tobytes())
    options: dict[str, object] = {"exif": exif.tobytes()}
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    if getattr(image, "is_animated", False):
        options.update(save_all=True)
    out = io.BytesIO()
    image.save(out, found.pillow_name, **options)
    image.seek(0)  # saving every frame leaves the last one current
    return out.getvalue()


# JPEG markers: start of image, start of scan, and those with no length after them.
SOI, SOS, APP1, APP2 = 0xD8, 0xDA, 0xE1, 0xE2
MPF_HEADER = b"MPF\0"
MP_ENTRIES = 0xB002  # the MPF tag listing each picture's size and offset
STANDALONE = {0x01, *range(0xD0, 0xD8)}
EXIF_HEADER = b"Exif\0\0"
MARKER_MAX = 0xFFFF - 2  # a segment's payload: its 16-bit length counts itself


def _header_segments(data: bytes) -> tuple[list[bytes], int]:
    """A JPEG's segments after its start-of-image marker and before its picture data (fill
    bytes as one-byte segments), and where the rest begins."""
    segments: list[bytes] = []
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before a marker
            segments.append(data[position : position + 1])
            position += 1
            continue
        if marker == SOS or marker == SOI or marker in STANDALONE:
            break
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append(data[position:end])
        position = end
    return segments, position


def _is_app(segment: bytes, marker: int, header: bytes) -> bool:
    """Whether `segment` is the application segment `marker` whose payload opens with `header`."""
    return segment[1:2] == bytes([marker]) and segment[4 : 4 + len(header)] == header


def _jpeg_with_exif(data: bytes, exif: bytes) -> bytes:
    """The JPEG with its EXIF segments (APP1 `Exif`, which Pillow reads as one) replaced
    by one holding `exif`, where the first of them was; every other byte as it came."""
    if len(exif) > MARKER_MAX:
        raise ValueError("its EXIF is too long")
    segments, rest = _header_segments(data)
    kept, placed = [data[:2]], False
    for segment in segments:
        if not _is_app(segment, APP1, EXIF_HEADER):
            kept.append(segment)
        elif not placed:
            kept.append(bytes([0xFF, APP1]) + (len(exif) + 2).to_bytes(2, "big") + exif)
            placed = True
    if not placed:
        raise ValueError("its EXIF is not where JPEG keeps it")
    kept.append(data[rest:])
    return b"".join(kept)


def _primary_picture(image: Image.Image, data: bytes) -> bytes:
    """An MPO (a phone's or a 3-D camera's JPEG with more pictures after it: a depth map,
    a preview, the other eye) as its first picture alone, a plain JPEG: what the platforms
    take, and the other pictures' EXIF, which may say where they were taken, gone with
    them. Its MPF index (APP2) goes too: it would name pictures that are no longer there."""
    try:
        size = int(image.mpinfo[MP_ENTRIES][0]["Size"])  # type: ignore[attr-defined]
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError("its index of pictures (MPF) is unreadable") from exc
    if not 0 < size <= len(data):
        raise ValueError("its index of pictures (MPF) points past its end")
    primary = data[:size]
    segments, rest = _header_segments(primary)
    kept = [segment for segment in segments if not _is_app(segment, APP2, MPF_HEADER)]
    return b"".join([primary[:2], *kept, primary[rest:]])


def inspect_image(data: bytes, found: Format, caps: Caps) -> Inspected:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning: our cap is checked below, with a clear answer.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format == "MPO" and found.name == "jpeg":
                data = _primary_picture(image, data)
                image = Image.open(io.BytesIO(data))
            if image.format != found.pillow_name:
                raise _malformed(found, f"its content reads as {image.format}")
            _too_many_pixels(image.width, image.height, caps)
            width, height = image.size
            # The decoder is fed the file in one piece rather than in 64 kB reads: each
            # read resumes a suspended decode, and libjpeg's fast Huffman path needs whole
            # MCUs in its buffer (about 4% of a photo's decode).
            image.decodermaxblock = max(image.decodermaxblock, len(data))
            stored = _without_location(image, found, data)
            # The one decode (of a JPEG at a reduced scale), which also proves the file
            # readable.
            thumbnail = _thumbnail(image)
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
