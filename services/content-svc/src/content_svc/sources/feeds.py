"""Fetching and reading feeds: one guarded, conditional, size-capped GET, then feedparser.

Every failure is a `FeedError` whose message an operator understands; it is recorded on
the source and never escapes as a 5xx.
"""

from __future__ import annotations

import asyncio
import calendar
import codecs
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import httpx
from servicekit.urlguard import UnsafeURL, guarded_client

from content_svc.kit.rendering import plain_text

USER_AGENT = "Mediaops-content-svc/1.0 (+feed reader)"
MAX_REDIRECTS = 5
_TRACKING = re.compile(r"^(utm_[a-z]+|spm|from|share_token|fbclid|gclid)$", re.IGNORECASE)


class FeedError(Exception):
    """The feed could not be fetched or read; the message says why, for an operator."""


@dataclass(frozen=True)
class FetchedFeed:
    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    entry_id: str | None
    link: str | None
    title: str
    summary: str | None
    published_at: datetime | None


async def fetch_feed(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    allow_private: bool,
    timeout: float,
    max_bytes: int,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchedFeed:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    extra: dict[str, Any] = {"transport": transport} if transport is not None else {}
    try:
        async with guarded_client(
            allow_private=allow_private,
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            **extra,
        ) as client:
            async with asyncio.timeout(timeout * 2):
                async with client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304:
                        return FetchedFeed(
                            not_modified=True, etag=etag, last_modified=last_modified
                        )
                    if response.status_code >= 400:
                        raise FeedError(f"the feed answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FeedError(_too_large(max_bytes))
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            raise FeedError(_too_large(max_bytes))
                    return FetchedFeed(
                        not_modified=False,
                        body=bytes(body),
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                    )
    except UnsafeURL as exc:
        raise FeedError(f"refused to fetch: {exc}") from exc
    except httpx.TooManyRedirects as exc:
        raise FeedError(f"the feed redirected more than {MAX_REDIRECTS} times") from exc
    except (httpx.TimeoutException, TimeoutError) as exc:
        raise FeedError(f"the feed did not answer within {timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"the feed could not be reached: {type(exc).__name__}: {exc}") from exc


def _too_large(max_bytes: int) -> str:
    return f"the feed is larger than {max_bytes:,} bytes"


def parse_feed(body: bytes) -> list[FeedEntry]:
    """The entries of an RSS or Atom document; `FeedError` when it is neither.

    feedparser recovers from small faults (an undefined entity, a wrong encoding
    declaration), and such a feed still counts; a broken document from which no entry
    with an id or a link can be recovered is an error.
    """
    if not _looks_like_markup(body):
        raise FeedError(
            "the document is not an RSS or Atom feed: it does not start with '<' "
            "(XML or HTML markup)"
        )
    # A stream, never the bytes themselves: given bytes or a str, feedparser first tries
    # them as a local path (and a str as a URL), so a server answering `/etc/...` or
    # `/dev/zero` would make us read our own files, or read forever.
    parsed = feedparser.parse(io.BytesIO(body))
    entries = [entry for raw in parsed.get("entries", []) if (entry := _entry(raw)) is not None]
    usable = any(entry.entry_id or entry.link for entry in entries)
    if parsed.get("bozo") and not usable:
        raise FeedError(f"the feed is malformed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not usable:
        raise FeedError("the document is not an RSS or Atom feed")
    return entries


# How far into the body the markup must have started (after a byte order mark): every
# feed starts with `<?xml`, `<rss`, `<feed` or a comment, after a little whitespace.
_MARKUP_WITHIN = 4096
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_like_markup(body: bytes) -> bool:
    """True when `body`, after an optional byte order mark and whitespace, starts with `<`."""
    head = body[:_MARKUP_WITHIN]
    encoding = "latin-1"  # any ASCII-compatible encoding: only '<' and spaces matter
    for bom, name in _BOMS:
        if head.startswith(bom):
            head, encoding = head[len(bom) :], name
            break
    else:
        # UTF-16 without a byte order mark still shows its first '<' next to a zero byte.
        if head.startswith(b"<\x00"):
            encoding = "utf-16-le"
        elif head.startswith(b"\x00<"):
            encoding = "utf-16-be"
    return head.decode(encoding, errors="ignore").lstrip().startswith("<")


def _entry(raw: Any) -> FeedEntry | None:
    title = plain_text(raw.get("title"))
    summary = plain_text(raw.get("summary") or raw.get("description"))
    link = raw.get("link")
    link = link.strip() if isinstance(link, str) and link.strip() else None
    if link is not None and urlsplit(link).scheme not in ("http", "https"):
        link = None
    entry_id = raw.get("id")
    entry_id = entry_id.strip() if isinstance(entry_id, str) and entry_id.strip() else None
    if not title and not summary and not link:
        return None
    return FeedEntry(
        entry_id=entry_id,
        link=link,
        title=title or (summary or link or "")[:80],
        summary=summary or None,
        published_at=_time(raw.get("published_parsed") or raw.get("updated_parsed")),
    )


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def canonical_url(url: str) -> str | None:
    """The URL two links to the same page share: tracking parameters, fragments, default
    ports and trailing slashes removed, scheme and host lower-cased."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if port and not (
        (parts.scheme.lower() == "http" and port == 80)
        or (parts.scheme.lower() == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        )
    )
    # http and https of one page are the same page.
    return urlunsplit(("https", host, path, query, ""))
