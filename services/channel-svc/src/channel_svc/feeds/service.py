"""Feed channels: the posts distributed to the channel as RSS 2.0 and Atom (feedgen), each
with its library media as enclosures (their links are the event's signed ones: they work
for `CONTENT_MEDIA_DELIVERY_LINK_SECONDS` after the post went out)."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from servicekit.problems import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.feeds import repository
from channel_svc.models import Channel

FEED_SIZE = 50


def feed_path(token: str) -> str:
    """Where a feed channel's feed is, relative to the public address."""
    return f"/feeds/{token}.xml"


def public_feed_url(public_url: str, token: str, *, atom: bool = False) -> str:
    return f"{public_url}{feed_path(token)}" + ("?format=atom" if atom else "")


async def feed_channel(session: AsyncSession, token: str) -> Channel:
    channel = None
    if 16 <= len(token) <= 64:
        channel = await repository.channel_of(session, token)
    if channel is None:
        raise NotFound("No such feed.")
    return channel


ENCLOSURES = "mediaops_enclosures"


class AtomEnclosures(BaseEntryExtension):
    """An Atom entry's `<link rel="enclosure">` for each medium, in order. feedgen's own
    entry links lose their `rel` and `type` in Atom (feedgen 1.0), so they are written
    here."""

    def __init__(self) -> None:
        self.media: list[dict[str, Any]] = []

    def extend_atom(self, entry: Any) -> Any:
        for medium in self.media:
            xml_elem(
                "link",
                entry,
                href=str(medium["url"]),
                rel="enclosure",
                type=str(medium["content_type"]),
                length=str(medium["size_bytes"]),
            )
        return entry


async def render_feed(
    session: AsyncSession, channel: Channel, *, self_url: str, atom: bool
) -> bytes:
    rows = await repository.published(session, channel, limit=FEED_SIZE)
    config = channel.config
    site = str(config.get("site_url") or self_url)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(str(config.get("title") or channel.name))
    feed.description(str(config.get("description") or channel.name))
    feed.language(str(config.get("language") or "zh-CN"))
    feed.link(href=site, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.generator("Mediaops")
    if rows:
        feed.updated(rows[0].updated_at)
    for row in reversed(rows):  # feedgen prepends: add oldest first, newest ends up on top
        snapshot = row.snapshot
        rendered = row.rendered or {}
        entry = feed.add_entry()
        link = rendered.get("link") or row.url
        entry.id(str(link or f"urn:mediaops:post:{row.post_id}"))
        entry.guid(str(link or f"urn:mediaops:post:{row.post_id}"), permalink=bool(link))
        entry.title(str(snapshot.get("title") or "(untitled)"))
        if link:
            entry.link(href=str(link))
        body = str(rendered.get("body") or snapshot.get("body_html") or "")
        summary = snapshot.get("summary")
        entry.description(str(summary) if summary else body)
        entry.content(body, type="CDATA" if not atom else "html")
        entry.published(snapshot.get("published_at") or row.created_at)
        entry.updated(row.updated_at)
        for tag in rendered.get("tags") or snapshot.get("tags") or []:
            entry.category(term=str(tag))
        media = [medium for medium in snapshot.get("media") or [] if isinstance(medium, dict)]
        if media and atom:
            entry.register_extension(ENCLOSURES, AtomEnclosures, atom=True, rss=False)
            getattr(entry, ENCLOSURES).media = media
        elif media:
            # RSS 2.0 has room for one enclosure an item: the first medium (the cover).
            first = media[0]
            entry.enclosure(str(first["url"]), str(first["size_bytes"]), str(first["content_type"]))
    result: bytes = feed.atom_str(pretty=True) if atom else feed.rss_str(pretty=True)
    return result
