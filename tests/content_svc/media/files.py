"""Files to upload, made on the spot: images by Pillow, a short MP4 by imageio-ffmpeg's
ffmpeg (the same binary the service probes with)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

GPS_IFD = 0x8825


def image_bytes(
    image_format: str = "PNG", size: tuple[int, int] = (640, 480), color: str = "red"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, image_format)
    return out.getvalue()


def jpeg_with_location(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG whose EXIF says where it was taken (Shanghai) and with which camera."""
    exif = Image.Exif()
    exif[0x010F] = "Mediaops Camera"  # Make
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def exif_of(data: bytes) -> Image.Exif:
    return Image.open(io.BytesIO(data)).getexif()


def mp4_video(directory: Path, seconds: int = 2, size: str = "320x240") -> bytes:
    path = directory / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate=10",
            "-pix_fmt",
            "yuv420p",
            "-y",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


def phone_mpo(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG as many phones write it (MPO): the photo, then a second picture (a depth
    map, a preview), each with an EXIF that says where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Mediaops Phone"  # Make
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    photo, depth = Image.new("RGB", size, "blue"), Image.new("RGB", (200, 150), "gray")
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[depth], exif=exif.tobytes())
    return out.getvalue()
