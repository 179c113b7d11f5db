"""The rules of the media library: a file is judged by its content and the caps before
anything is kept; one item per content per workspace (a second upload of the same bytes
is the first item); an item a scheduled or published post uses stays.

Functions take the caller's session and never commit; they raise servicekit's problems.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

from event_contracts import MediaReference
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import split_page
from servicekit.problems import Conflict, FieldError, NotFound
from servicekit.shapes import shaped
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import canonical_id
from content_svc.kit.problems import found, invalid
from content_svc.media import repository
from content_svc.media.inspection import (
    THUMBNAIL_TYPE,
    Caps,
    Inspected,
    detect,
    inspect_image,
    inspect_video,
)
from content_svc.media.schemas import NAME_MAX, MediaFilter, MediaUpdate, Variant
from content_svc.media.storage import LocalMediaStorage, MediaStorage, MissingFile, media_key
from content_svc.models import MediaItem
from content_svc.settings import Settings

# Enough of a file to tell its format (an MP4's `ftyp` box is at bytes 4 to 8).
HEAD_BYTES = 32


@dataclass(frozen=True)
class Library:
    """What the media endpoints work with: the store and the limits of the settings."""

    storage: MediaStorage
    caps: Caps
    url_seconds: int
    # The life of the URLs `post.published` carries (`delivery_references`).
    delivery_link_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings, storage: MediaStorage) -> Library:
        return cls(
            storage,
            caps_of(settings),
            settings.media_url_seconds,
            settings.media_delivery_link_seconds,
        )


def caps_of(settings: Settings) -> Caps:
    return Caps(
        image_max_bytes=settings.media_image_max_bytes,
        video_max_bytes=settings.media_video_max_bytes,
        max_pixels=settings.media_max_pixels,
        video_max_seconds=settings.media_video_max_seconds,
    )


@dataclass(frozen=True)
class MediaView:
    """An item with its time-limited URLs."""

    item: MediaItem
    url: str
    thumbnail_url: str
    urls_expire_at: datetime


def view(library: Library, item: MediaItem) -> MediaView:
    expires_in = library.url_seconds
    return MediaView(
        item=item,
        url=library.storage.url(
            item.file_key, expires_in=expires_in, content_type=item.content_type
        ),
        thumbnail_url=library.storage.url(
            item.thumbnail_key, expires_in=expires_in, content_type=THUMBNAIL_TYPE
        ),
        urls_expire_at=datetime.now(UTC) + timedelta(seconds=expires_in),
    )


def _display_name(filename: str | None) -> str:
    """The last part of the uploaded file's name (browsers may send a path), or `upload`."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return name[:NAME_MAX] or "upload"


def _inspect(data: bytes, caps: Caps) -> Inspected:
    found_format = detect(data[:HEAD_BYTES], len(data), caps)
    if found_format.kind == "image":
        return inspect_image(data, found_format, caps)
    # ffmpeg reads a file: the video is written to a temporary one, removed at once.
    with tempfile.TemporaryDirectory(prefix="mediaops-video-") as directory:
        path = Path(directory) / "upload.mp4"
        path.write_bytes(data)
        return inspect_video(path, data, found_format, caps)


async def upload(
    session: AsyncSession,
    caller: Caller,
    library: Library,
    data: bytes,
    *,
    filename: str | None,
    tags: Sequence[str],
) -> tuple[MediaItem, bool]:
    """The item for `data`, and whether it is new. The same bytes uploaded again in the
    workspace answer the item they made the first time (its name and tags unchanged)."""
    detect(data[:HEAD_BYTES], len(data), library.caps)  # the cheap refusals first
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await repository.item_by_hash(session, caller.workspace_id, sha256)
    if existing is not None:
        return existing, False
    inspected = await asyncio.to_thread(_inspect, data, library.caps)
    media_id = str(uuid.uuid4())
    item = MediaItem(
        id=media_id,
        workspace_id=caller.workspace_id,
        name=_display_name(filename),
        kind=inspected.format.kind,
        format=inspected.format.name,
        content_type=inspected.format.content_type,
        size_bytes=len(inspected.data),
        width=inspected.width,
        height=inspected.height,
        duration_seconds=inspected.duration_seconds,
        sha256=sha256,
        # The stored file is the upload unless a location was taken out.
        file_sha256=(
            sha256 if inspected.data is data else hashlib.sha256(inspected.data).hexdigest()
        ),
        file_key=media_key(caller.workspace_id, media_id, "original"),
        thumbnail_key=media_key(caller.workspace_id, media_id, "thumbnail"),
        tags=list(tags),
        created_by=caller.user_id,
        created_at=utcnow(),
    )
    await library.storage.put(item.file_key, inspected.data, item.content_type)
    await library.storage.put(item.thumbnail_key, inspected.thumbnail, THUMBNAIL_TYPE)
    try:
        async with session.begin_nested():
            session.add(item)
    except IntegrityError:
        # The same bytes were uploaded at the same moment and that upload won.
        await _remove_files(library, item)
        winner = await repository.item_by_hash(session, caller.workspace_id, sha256)
        if winner is None:
            raise
        return winner, False
    return item, True


async def _remove_files(library: Library, item: MediaItem) -> None:
    await library.storage.delete(item.file_key)
    await library.storage.delete(item.thumbnail_key)


async def get_item(
    session: AsyncSession, caller: Caller, media_id: str, *, for_update: bool = False
) -> MediaItem:
    item = await repository.get_item(session, caller.workspace_id, media_id, for_update=for_update)
    return found(item, "media item", media_id)


async def list_items(
    session: AsyncSession,
    caller: Caller,
    filters: MediaFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[MediaItem], str | None]:
    rows = await repository.list_items(
        session, caller.workspace_id, filters, limit=limit, cursor=cursor
    )
    return split_page(rows, limit)


async def update_item(
    session: AsyncSession, caller: Caller, media_id: str, data: MediaUpdate
) -> MediaItem:
    item = await get_item(session, caller, media_id, for_update=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(item, name, value)
    await session.flush()
    return item


async def delete_item(
    session: AsyncSession, caller: Caller, library: Library, media_id: str
) -> None:
    """Delete an item and its files; refused (409) while a scheduled or published post
    uses it. Posts not yet scheduled that list it lose it from their list."""
    item = await get_item(session, caller, media_id, for_update=True)
    posts = await repository.committed_posts(session, caller.workspace_id, item.id)
    if posts:
        raise Conflict(
            f"Media item {item.id} is used by {len(posts)} scheduled or published post(s); "
            "take it out of them (or unschedule them) first.",
            post_ids=posts,
        )
    await repository.unlink(session, caller.workspace_id, item.id)
    await session.delete(item)
    await session.flush()
    # After the row: should the commit fail now, the row stays without its files (shown by
    # its URLs answering 404), and deleting it again finishes the job.
    await _remove_files(library, item)


async def checked_media_ids(
    session: AsyncSession, workspace_id: str, media_ids: Sequence[str]
) -> list[str]:
    """The ids of a post's media list, each an item of the workspace, none twice; a 422
    naming each position that is not."""
    canonical = [canonical_id(media_id) or media_id for media_id in media_ids]
    existing = await repository.existing_ids(session, workspace_id, canonical)
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, media_id in enumerate(canonical):
        if media_id not in existing:
            message = "is no media item of this workspace"
        elif media_id in seen:
            message = "is listed twice"
        else:
            seen.add(media_id)
            continue
        errors.append(FieldError(field=f"media_ids.{position}", message=message))
    if errors:
        raise invalid(errors)
    return canonical


async def delivery_references(
    session: AsyncSession, library: Library, workspace_id: str, media_ids: Sequence[str]
) -> list[MediaReference]:
    """The media of a post as `post.published` carries them, in the post's order, each
    with a download URL signed now for `delivery_link_seconds`: long enough for the
    channels' retries of a delivery, whenever the event is consumed."""
    items = await repository.items_by_id(session, workspace_id, media_ids)
    for item in items.values():
        if item.file_sha256 is None:
            await _hash_kept_file(library, item)
    expires_in = library.delivery_link_seconds
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    return [
        shaped(
            MediaReference,
            item,
            media_id=item.id,
            sha256=item.file_sha256 or item.sha256,
            url=library.storage.url(
                item.file_key, expires_in=expires_in, content_type=item.content_type
            ),
            url_expires_at=expires_at,
        )
        for item in (items[media_id] for media_id in media_ids if media_id in items)
    ]


async def _hash_kept_file(library: Library, item: MediaItem) -> None:
    """Items kept before the stored file's own hash was recorded: a photo whose location
    was stripped differs from its upload, so the upload's hash would fail every download
    check. Hashed once, from the store, and kept on the row."""
    try:
        data = await library.storage.get(item.file_key)
    except MissingFile:
        return  # the download fails anyway, saying so
    item.file_sha256 = hashlib.sha256(data).hexdigest()


async def signed_file(
    session: AsyncSession,
    library: Library,
    media_id: str,
    variant: Variant,
    *,
    expires: int,
    signature: str,
) -> tuple[bytes, str]:
    """The bytes and type of a file a local-store URL points at; 404 for a bad or expired
    signature as for a missing item (a link proves nothing else)."""
    gone = NotFound("This media link is unknown or has expired; ask for the item again.")
    storage = library.storage
    if not isinstance(storage, LocalMediaStorage):
        raise gone
    item = await repository.get_item_anywhere(session, media_id)
    if item is None:
        raise gone
    key = item.file_key if variant == "original" else item.thumbnail_key
    if not storage.verify(key, expires, signature):
        raise gone
    try:
        data = await storage.get(key)
    except MissingFile:
        raise gone from None
    return data, item.content_type if variant == "original" else THUMBNAIL_TYPE
