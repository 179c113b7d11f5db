"""A post's library media as the adapters use them: downloaded by the signed URL the event
carries, and checked against the reference before anything goes to a platform.

A download URL is a credential until it expires: messages and logs name the medium's id
and the URL's host, never the URL itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator

import httpx
from event_contracts import MediaReference, PostPublishedV1
from servicekit.urlguard import UnsafeURL

from channel_svc.adapters.common import ImageUnavailable, host_of, is_transient, unreachable

# What is downloaded at most, whatever the reference says (the library's own video cap).
MAX_MEDIUM_BYTES = 200 * 1024 * 1024


def library_images(post: PostPublishedV1) -> list[MediaReference]:
    """The post's library images, in its order (the first is the cover)."""
    return [medium for medium in post.media if medium.kind == "image"]


def with_library_cover(post: PostPublishedV1) -> PostPublishedV1:
    """The post with its first library image as its cover, as `rendering.cover_of` says:
    what a platform that needs a cover is checked against and gets (the adapters upload
    the library file itself)."""
    images = library_images(post)
    if not images:
        return post
    return post.model_copy(update={"cover_url": images[0].url})


def _unavailable(medium: MediaReference, problem: str, *, transient: bool) -> ImageUnavailable:
    return ImageUnavailable(
        f"library medium {medium.media_id} (from {host_of(medium.url)}) {problem}",
        transient=transient,
    )


async def fetch_medium(
    client: httpx.AsyncClient, medium: MediaReference, *, max_bytes: int = MAX_MEDIUM_BYTES
) -> bytes:
    """The medium's bytes, checked as `medium_chunks` checks them."""
    return b"".join([chunk async for chunk in medium_chunks(client, medium, max_bytes=max_bytes)])


async def medium_chunks(
    client: httpx.AsyncClient, medium: MediaReference, *, max_bytes: int = MAX_MEDIUM_BYTES
) -> AsyncGenerator[bytes, None]:
    """The medium's bytes as they arrive, checked: no more than the reference's size (and
    `max_bytes`), of its content type, with its SHA-256 (known at the last chunk: a caller
    keeps nothing until the iteration ends without an error). Raises `ImageUnavailable`,
    transient for what trying again may cure (a timeout, a 5xx), permanent otherwise (an
    expired link, other bytes than described)."""
    cap = min(medium.size_bytes, max_bytes)
    if medium.size_bytes > max_bytes:
        raise _unavailable(medium, f"is over {max_bytes // (1024 * 1024)} MB", transient=False)
    digest = hashlib.sha256()
    received = 0
    try:
        async with client.stream("GET", medium.url) as response:
            status = response.status_code
            if status >= 500 or status in (408, 429):
                raise _unavailable(medium, f"answered HTTP {status}", transient=True)
            if status != 200:
                # The library answers 404 for an expired or bad link: only a new event
                # (publishing again) brings a fresh one.
                raise _unavailable(
                    medium,
                    f"answered HTTP {status}: its download link may have expired",
                    transient=False,
                )
            served = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if served and served != medium.content_type.lower():
                raise _unavailable(
                    medium, f"was served as {served}, not {medium.content_type}", transient=False
                )
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > cap:
                    raise _unavailable(
                        medium, f"is larger than its {medium.size_bytes} bytes", transient=False
                    )
                digest.update(chunk)
                yield chunk
    except httpx.TimeoutException as exc:
        raise _unavailable(medium, "did not arrive in time", transient=True) from exc
    except httpx.HTTPError as exc:
        # The exception's text may quote the URL: only its class is kept.
        raise _unavailable(
            medium, f"could not be fetched ({type(exc).__name__})", transient=True
        ) from None
    except UnsafeURL as exc:
        raise _unavailable(medium, unreachable(exc), transient=is_transient(exc)) from None
    if received != medium.size_bytes or digest.hexdigest() != medium.sha256:
        raise _unavailable(medium, "is not the file its reference describes", transient=False)


EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
}


def extension_of(content_type: str) -> str:
    """A file's extension by its content type (platforms and operators look at it)."""
    return EXTENSIONS.get(content_type, content_type.split("/")[-1])


def file_name(medium: MediaReference, content_type: str | None = None) -> str:
    """A name for the upload, its extension from the content type."""
    return f"{medium.media_id}.{extension_of(content_type or medium.content_type)}"
