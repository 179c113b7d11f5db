"""Thumbnails: a JPEG decoded at a reduced scale still gives a thumbnail as good as one
resampled from the full picture, upright, in RGB, never larger than the original."""

from __future__ import annotations

import io
import math

import pytest
from content_svc.media.inspection import FORMATS, Caps, inspect_image
from PIL import Image, ImageChops, ImageFilter, ImageStat

CAPS = Caps(
    image_max_bytes=20_000_000,
    video_max_bytes=200_000_000,
    max_pixels=50_000_000,
    video_max_seconds=600.0,
)
ORIENTATION = 0x0112


def _photo(size: tuple[int, int] = (1080, 1440)) -> Image.Image:
    """Smooth shapes with some texture, like a photo."""
    shapes = Image.effect_mandelbrot(size, (-2.0, -1.5, 1.0, 1.5), 80)
    ramp = Image.linear_gradient("L").resize(size)
    picture = Image.merge("RGB", [shapes, ramp, ramp.rotate(180)])
    return picture.filter(ImageFilter.GaussianBlur(1.0))


def _jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def _thumbnail_of(data: bytes, image_format: str = "jpeg") -> Image.Image:
    inspected = inspect_image(data, FORMATS[image_format], CAPS)
    return Image.open(io.BytesIO(inspected.thumbnail))


def _psnr(one: Image.Image, other: Image.Image) -> float:
    squares = ImageStat.Stat(ImageChops.difference(one, other)).sum2
    mse = sum(squares) / (len(squares) * one.width * one.height)
    return 10 * math.log10(255**2 / mse)


def test_a_photo_thumbnail_is_as_good_as_one_from_the_full_picture() -> None:
    picture = _photo()
    data = _jpeg(picture)

    thumbnail = _thumbnail_of(data)

    assert (thumbnail.size, thumbnail.mode) == ((240, 320), "RGB")
    reference = Image.open(io.BytesIO(data)).convert("RGB")
    reference = reference.resize(thumbnail.size, Image.Resampling.LANCZOS)
    # 35 dB and more: no difference anyone sees at this size.
    assert _psnr(thumbnail, reference) > 35


def test_a_turned_photo_is_thumbnailed_upright() -> None:
    # Stored landscape, red on its left half; EXIF 6: shown turned 90° clockwise, the red
    # half on top.
    stored = Image.new("RGB", (1440, 1080), "blue")
    stored.paste("red", (0, 0, 720, 1080))
    exif = Image.Exif()
    exif[ORIENTATION] = 6

    thumbnail = _thumbnail_of(_jpeg(stored, exif=exif.tobytes()))

    assert thumbnail.size == (240, 320)
    assert _colour(thumbnail.getpixel((120, 40))) == "red"
    assert _colour(thumbnail.getpixel((120, 280))) == "blue"


def _colour(pixel: object) -> str:
    assert isinstance(pixel, tuple)
    red, _, blue = pixel
    return "red" if red > 200 > blue else "blue" if blue > 200 > red else f"{pixel}"


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_get_rgb_thumbnails(mode: str) -> None:
    thumbnail = _thumbnail_of(_jpeg(_photo((900, 600)).convert(mode)))

    assert (thumbnail.size, thumbnail.mode) == ((320, 213), "RGB")


def test_a_small_image_is_not_enlarged() -> None:
    out = io.BytesIO()
    _photo((200, 150)).save(out, "PNG")

    assert _thumbnail_of(out.getvalue(), "png").size == (200, 150)


GPS_IFD, MAKE = 0x8825, 0x010F


def _located() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "Mediaops Camera"
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    return exif


def test_a_photo_loses_its_location_and_nothing_of_its_picture() -> None:
    data = _jpeg(_photo(), exif=_located().tobytes())

    kept = inspect_image(data, FORMATS["jpeg"], CAPS).data

    exif = Image.open(io.BytesIO(kept)).getexif()
    assert GPS_IFD not in exif
    assert exif[MAKE] == "Mediaops Camera"
    # Not re-encoded: the very same pixels, not a second JPEG generation of them.
    assert Image.open(io.BytesIO(kept)).tobytes() == Image.open(io.BytesIO(data)).tobytes()


def test_an_animation_loses_its_location_and_is_thumbnailed_from_its_first_frame() -> None:
    frames = [Image.new("RGB", (640, 480), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], exif=_located())

    inspected = inspect_image(out.getvalue(), FORMATS["png"], CAPS)

    kept = Image.open(io.BytesIO(inspected.data))
    assert (GPS_IFD in kept.getexif(), getattr(kept, "n_frames", 1)) == (False, 2)
    thumbnail = Image.open(io.BytesIO(inspected.thumbnail))
    assert _colour(thumbnail.getpixel((160, 120))) == "red"


def test_a_palette_image_is_resampled_not_picked_from() -> None:
    grain = Image.effect_noise((1280, 960), 60).convert("RGB")
    picture = Image.blend(_photo((1280, 960)), grain, 0.3)
    out = io.BytesIO()
    picture.convert("P", palette=Image.Palette.ADAPTIVE).save(out, "GIF")
    palette_rgb = Image.open(io.BytesIO(out.getvalue())).convert("RGB")

    thumbnail = _thumbnail_of(out.getvalue(), "gif")

    reference = palette_rgb.resize(thumbnail.size, Image.Resampling.LANCZOS)
    assert _psnr(thumbnail, reference) > 35
