"""Library images in a post's Markdown: `![alt](media:<media id>)`.

The body keeps the reference (the stored HTML has `<img src="media:<id>">`), since a
file's URL is signed and expires; `body_html_with_media` is the one place that turns the
references into the items' URLs, when a post is read or sent. A reference to an item that
is not in the workspace's library is refused when the post (or a variant) is written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from servicekit.problems import FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.rendering import MEDIA_SCHEME, render_markdown
from content_svc.media import repository as media
from content_svc.media.service import Library, view
from content_svc.models import MediaItem

# nh3 writes attributes with double quotes, so the sanitised HTML has this one shape.
_IMG_MEDIA_SRC = re.compile(rf'(<img\b[^>]*?\ssrc=")({MEDIA_SCHEME}:[^"]*)(")', re.IGNORECASE)


@dataclass(frozen=True)
class MediaReference:
    media_id: str
    position: int | None  # of `media:` in the Markdown, in characters from 0


def _media_id(src: str) -> str:
    return unquote(html.unescape(src)[len(MEDIA_SCHEME) + 1 :]).strip()


def media_ids_in_html(body_html: str) -> list[str]:
    """The library items a rendered body shows, in order (repeats kept)."""
    return [_media_id(match.group(2)) for match in _IMG_MEDIA_SRC.finditer(body_html)]


def media_references(markdown: str) -> list[MediaReference]:
    """Each library image of the Markdown as rendered (not a `media:` in a code block),
    with where its reference is written."""
    found: list[MediaReference] = []
    cursor = 0
    for media_id in media_ids_in_html(render_markdown(markdown)):
        start = markdown.find(f"{MEDIA_SCHEME}:{media_id}", cursor)
        if start >= 0:
            cursor = start + 1
        found.append(MediaReference(media_id, start if start >= 0 else None))
    return found


async def check_media_references(
    session: AsyncSession, workspace_id: str, markdown: str, *, field: str = "body_markdown"
) -> None:
    """A 422 naming `field` and the position of each reference to an item that is not in
    the workspace's library."""
    references = media_references(markdown)
    if not references:
        return
    known = await media.existing_ids(session, workspace_id, [r.media_id for r in references])
    missing = [r for r in references if r.media_id not in known]
    if not missing:
        return
    errors = [
        FieldError(
            field=field,
            message=f"at {r.position}: media:{r.media_id} is no media item of this workspace",
        )
        for r in missing
    ]
    raise Invalid(
        "; ".join(f"{e.field}: {e.message}" for e in errors),
        errors=errors,
        references=[{"media_id": r.media_id, "position": r.position} for r in missing],
    )


def resolve_media_markdown(markdown: str, urls: Mapping[str, str]) -> str:
    """`markdown` with each library image's `media:<id>` replaced by `urls[id]` (`<url>`,
    as Markdown writes a destination, so any character of a signed URL stays in it); an
    image whose item has no URL loses its destination, as in `resolve_media`. A `media:`
    in a code block, or written otherwise than as its id, is left as it is."""
    parts: list[str] = []
    end = 0
    for reference in media_references(markdown):
        if reference.position is None:
            continue
        parts.append(markdown[end : reference.position])
        url = urls.get(reference.media_id)
        parts.append(f"<{url}>" if url is not None else "")
        end = reference.position + len(f"{MEDIA_SCHEME}:{reference.media_id}")
    return "".join(parts) + markdown[end:] if parts else markdown


def resolve_media(body_html: str, urls: Mapping[str, str]) -> str:
    """`body_html` with each `media:<id>` image pointing at `urls[id]`; an image whose item
    has no URL (deleted since) loses its source and shows its alt text."""

    def replace(match: re.Match[str]) -> str:
        url = urls.get(_media_id(match.group(2)))
        if url is None:
            return match.group(1)[: -len(' src="')]
        return f"{match.group(1)}{html.escape(url, quote=True)}{match.group(3)}"

    return _IMG_MEDIA_SRC.sub(replace, body_html)


async def library_items(
    session: AsyncSession, workspace_id: str, media_ids: Sequence[str]
) -> dict[str, MediaItem]:
    """The workspace's items among `media_ids`, by id."""
    return await media.items_by_id(session, workspace_id, list(dict.fromkeys(media_ids)))


async def body_html_with_media(
    session: AsyncSession, library: Library, workspace_id: str, body_html: str
) -> str:
    """The rendered body with its library images at their signed, time-limited URLs (as
    `GET /media/{id}` gives them). The one place references become URLs: whatever shows
    or sends a post's HTML calls this."""
    ids = media_ids_in_html(body_html)
    if not ids:
        return body_html
    items = await library_items(session, workspace_id, ids)
    return resolve_media(body_html, {i: view(library, item).url for i, item in items.items()})
