"""A distribution's hand-off package: one zip with the post as the platform takes it and
the post's media files in their order, for an operator who publishes by hand (Xiaohongshu,
Douyin ... have no publishing API).

Inside: `title.txt`, `body.html|md|txt` (the rendered body, in the platform's format, with
hashtags and signature as they go), `summary.txt` and `checklist.txt` where there are
any, and `media/01.jpg`, `media/02.png` ... in the post's order (the first is the cover).
Each file is downloaded by its signed link and checked against its reference; the zip is
built before anything is answered (so that a medium that cannot be had is a 409 or 503,
not a cut-off download), in a temporary file past IN_MEMORY_BYTES, each medium written
into it as its chunks arrive: no file is ever held whole in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import zipfile
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import IO, Any

import httpx
from event_contracts import PostPublishedV1
from servicekit.problems import Conflict, ServiceUnavailable
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.common import ImageUnavailable
from channel_svc.adapters.media import extension_of, medium_chunks
from channel_svc.distributions.service import get_distribution

# A package up to this size stays in memory; a larger one is spooled to a temporary file.
IN_MEMORY_BYTES = 16 * 1024 * 1024
BODY_FILES = {"html": "body.html", "markdown": "body.md", "plain": "body.txt"}


@dataclass(frozen=True)
class Package:
    filename: str
    file: IO[bytes]  # positioned at its start; the caller closes it


def _texts(rendered: dict[str, Any]) -> dict[str, str]:
    texts = {
        "title.txt": str(rendered.get("title") or ""),
        BODY_FILES.get(str(rendered.get("format")), "body.txt"): str(rendered.get("body") or ""),
    }
    if rendered.get("summary"):
        texts["summary.txt"] = str(rendered["summary"])
    checklist = [str(item) for item in rendered.get("checklist") or []]
    if checklist:
        texts["checklist.txt"] = "".join(
            f"{number}. {item}\n" for number, item in enumerate(checklist, start=1)
        )
    return texts


async def build_package(
    session: AsyncSession,
    http: httpx.AsyncClient,
    *,
    workspace_id: str,
    distribution_id: str,
) -> Package:
    """The zip of the distribution; 409 when it has nothing rendered or a medium cannot
    be had any more (its link expired), 503 when a download may work later."""
    distribution = await get_distribution(
        session, workspace_id=workspace_id, distribution_id=distribution_id
    )
    if not distribution.rendered:
        raise Conflict(
            "This distribution has no rendered post to package (the checks refused it): "
            "see its `violations`."
        )
    post = PostPublishedV1.model_validate(distribution.snapshot)
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    try:
        with zipfile.ZipFile(spool, "w") as archive:
            for name, text in _texts(distribution.rendered).items():
                archive.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
            for position, medium in enumerate(post.media, start=1):
                name = f"media/{position:02d}.{extension_of(medium.content_type)}"
                entry = zipfile.ZipInfo(name, time.localtime()[:6])
                # Media are compressed already: stored as they are.
                entry.compress_type = zipfile.ZIP_STORED
                try:
                    await _write_medium(archive, entry, medium_chunks(http, medium))
                except ImageUnavailable as exc:
                    if exc.transient:
                        raise ServiceUnavailable(f"{exc}; try again shortly.") from None
                    raise Conflict(
                        f"{exc}; the package cannot include it: take the file from the media "
                        "library (the post's links work for a few days after it went out)."
                    ) from None
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return Package(f"{distribution.platform}-{distribution.post_id}.zip", spool)


async def _write_medium(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, chunks: AsyncGenerator[bytes, None]
) -> None:
    """The chunks as one member of the archive, each written (in a thread: past
    IN_MEMORY_BYTES the archive is on disk) as it arrives."""
    async with contextlib.aclosing(chunks):
        with archive.open(entry, "w") as member:
            async for chunk in chunks:
                await asyncio.to_thread(member.write, chunk)
