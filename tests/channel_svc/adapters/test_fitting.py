"""An image re-encoded to fit a platform keeps what the reader sees: a logo's transparent
background becomes white, not black."""

from __future__ import annotations

import io
import os

from channel_svc.adapters.fitting import JPEG, fitted
from PIL import Image


def _transparent_png() -> bytes:
    """A noisy square in the middle of a transparent canvas, too large for 200 kB."""
    canvas = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    square = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3)).convert("RGBA")
    canvas.paste(square, (300, 300))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


async def test_a_transparent_png_over_the_cap_becomes_a_jpeg_on_white() -> None:
    data = _transparent_png()
    assert len(data) > 200_000

    fitted_data, content_type = await fitted(
        data, "image/png", types=frozenset({JPEG}), max_bytes=200_000, name="logo"
    )

    assert content_type == JPEG
    assert len(fitted_data) <= 200_000
    with Image.open(io.BytesIO(fitted_data)) as image:
        corner = image.convert("RGB").getpixel((2, 2))
    assert isinstance(corner, tuple)
    assert min(corner) > 240  # white, where the canvas was transparent
