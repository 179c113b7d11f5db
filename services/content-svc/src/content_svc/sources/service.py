"""The rules of sources: what a feed source is, and what a fetch does to it and to ideas.

Functions take the caller's session and never commit. Fetching itself (network, then one
short transaction for the outcome) is driven by `sources.fetching`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import split_page
from servicekit.urlguard import require_public_url
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import tokens

from content_svc.kit.problems import found
from content_svc.models import TITLE_MAX, Idea, Source
from content_svc.sources import repository
from content_svc.sources.feeds import FeedEntry, canonical_url
from content_svc.sources.schemas import SourceCreate, SourceUpdate

ORIGIN_ENTRY = "source_entry"
IDEA_SUMMARY_MAX = 2000
TERMS_MAX = 60
ERROR_MAX = 1000


async def create_source(
    session: AsyncSession, caller: Caller, data: SourceCreate, *, allow_private: bool
) -> Source:
    url = str(data.url)
    await require_public_url(url, field="url", allow_private=allow_private)
    now = utcnow()
    source = Source(
        id=str(uuid.uuid4()),
        workspace_id=caller.workspace_id,
        kind=data.kind,
        name=data.name,
        url=url,
        interval_minutes=data.interval_minutes,
        enabled=data.enabled,
        next_fetch_at=now,
        failure_count=0,
        ideas_created=0,
        created_by=caller.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(source)
    await session.flush()
    return source


async def get_source(
    session: AsyncSession, workspace_id: str, source_id: str, *, for_update: bool = False
) -> Source:
    source = await repository.get_source(session, workspace_id, source_id, for_update=for_update)
    return found(source, "source", source_id)


async def list_sources(
    session: AsyncSession, caller: Caller, *, limit: int, cursor: str | None
) -> tuple[Sequence[Source], str | None]:
    rows = await repository.list_sources(session, caller.workspace_id, limit=limit, cursor=cursor)
    return split_page(rows, limit)


async def update_source(
    session: AsyncSession,
    caller: Caller,
    source_id: str,
    data: SourceUpdate,
    *,
    allow_private: bool,
) -> Source:
    source = await get_source(session, caller.workspace_id, source_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        changes["url"] = str(data.url)
        await require_public_url(changes["url"], field="url", allow_private=allow_private)
        if changes["url"] != source.url:
            # Another feed: its validators and its error history do not carry over.
            source.etag = None
            source.last_modified = None
            source.last_error = None
            source.failure_count = 0
            source.next_fetch_at = utcnow()
    for name, value in changes.items():
        if value is not None:
            setattr(source, name, value)
    source.updated_at = utcnow()
    await session.flush()
    return source


async def delete_source(session: AsyncSession, caller: Caller, source_id: str) -> None:
    source = await get_source(session, caller.workspace_id, source_id, for_update=True)
    await session.delete(source)
    await session.flush()


# ---- the outcome of a fetch ---------------------------------------------------------------


def record_failure(source: Source, error: str, *, now: datetime, max_backoff: timedelta) -> None:
    """Keep the error and back off: interval * 2^failures, capped."""
    source.failure_count += 1
    source.last_error = error[:ERROR_MAX]
    source.last_fetched_at = now
    backoff = timedelta(minutes=source.interval_minutes) * (2 ** min(source.failure_count, 16))
    source.next_fetch_at = now + min(backoff, max_backoff)
    source.updated_at = now


def record_success(
    source: Source, *, now: datetime, etag: str | None, last_modified: str | None
) -> None:
    source.failure_count = 0
    source.last_error = None
    source.last_fetched_at = now
    source.last_success_at = now
    source.etag = etag[:500] if etag else None
    source.last_modified = last_modified[:100] if last_modified else None
    source.next_fetch_at = now + timedelta(minutes=source.interval_minutes)
    source.updated_at = now


async def ingest_entries(
    session: AsyncSession, source: Source, entries: Sequence[FeedEntry], *, now: datetime
) -> int:
    """Turn entries the workspace has not seen (by entry id or canonical URL) into ideas."""
    candidates: list[tuple[FeedEntry, str | None, str | None]] = []
    for entry in entries:
        entry_key = entry.entry_id[:2000] if entry.entry_id else None
        url_key = canonical_url(entry.link) if entry.link else None
        if url_key is not None and len(url_key) > 2000:
            url_key = None
        if entry_key is None and url_key is None:
            continue  # nothing to recognise it by next time
        candidates.append((entry, entry_key, url_key))
    seen_entries, seen_urls = await repository.existing_keys(
        session,
        source.workspace_id,
        [key for _, key, _ in candidates if key],
        [key for _, _, key in candidates if key],
    )
    created = 0
    for entry, entry_key, url_key in candidates:
        if (entry_key and entry_key in seen_entries) or (url_key and url_key in seen_urls):
            continue
        if entry_key:
            seen_entries.add(entry_key)
        if url_key:
            seen_urls.add(url_key)
        session.add(_idea_from(source, entry, entry_key, url_key, now))
        created += 1
    source.ideas_created += created
    await session.flush()
    return created


def _idea_from(
    source: Source, entry: FeedEntry, entry_key: str | None, url_key: str | None, now: datetime
) -> Idea:
    summary = entry.summary[:IDEA_SUMMARY_MAX] if entry.summary else None
    seen_at = entry.published_at if entry.published_at is not None else now
    seen_at = min(seen_at.astimezone(UTC), now)
    terms = list(dict.fromkeys(tokens(f"{entry.title}\n{summary or ''}")))[:TERMS_MAX]
    return Idea(
        id=str(uuid.uuid4()),
        workspace_id=source.workspace_id,
        origin=ORIGIN_ENTRY,
        status="new",
        title=entry.title[:TITLE_MAX] or "(untitled)",
        summary=summary,
        link=entry.link if entry.link and len(entry.link) <= 2000 else None,
        tags=[],
        source_id=source.id,
        entry_key=entry_key,
        url_key=url_key,
        terms=terms,
        asker_ids=[],
        asker_count=0,
        sample_questions=[],
        seen_at=seen_at,
        created_at=now,
        updated_at=now,
    )
