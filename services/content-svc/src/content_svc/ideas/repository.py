"""The SQL of ideas; every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from content_svc.models import Idea

# Keys are looked up in chunks: a 1,000-entry feed stays within every driver's limits.
_CHUNK = 500


async def existing_keys(
    session: AsyncSession, workspace_id: str, entry_keys: Sequence[str], url_keys: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Which of these entry ids and canonical URLs the workspace's ideas already have."""
    seen_entries: set[str] = set()
    seen_urls: set[str] = set()
    for start in range(0, len(entry_keys), _CHUNK):
        chunk = list(entry_keys[start : start + _CHUNK])
        rows = await session.scalars(
            select(Idea.entry_key).where(
                Idea.workspace_id == workspace_id, Idea.entry_key.in_(chunk)
            )
        )
        seen_entries.update(key for key in rows if key)
    for start in range(0, len(url_keys), _CHUNK):
        chunk = list(url_keys[start : start + _CHUNK])
        rows = await session.scalars(
            select(Idea.url_key).where(Idea.workspace_id == workspace_id, Idea.url_key.in_(chunk))
        )
        seen_urls.update(key for key in rows if key)
    return seen_entries, seen_urls


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    """The JSON array `ideas.tags` holds `tag` (compared case-insensitively)."""
    # Both functions yield one row per element, in a column named `value`.
    elements = func.json_array_elements_text if dialect == "postgresql" else func.json_each
    each = elements(Idea.tags).table_valued("value")
    return exists(select(1).select_from(each).where(func.lower(each.c.value) == tag.lower()))


async def list_ideas(
    session: AsyncSession,
    workspace_id: str,
    *,
    limit: int,
    before: tuple[datetime, str] | None,
    status: str | None,
    origin: str | None,
    tag: str | None,
    text_query: str | None,
    source_id: str | None,
) -> Sequence[Idea]:
    query = select(Idea).where(Idea.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Idea.status == status)
    if origin is not None:
        query = query.where(Idea.origin == origin)
    if source_id is not None:
        query = query.where(Idea.source_id == source_id)
    if tag is not None:
        dialect = session.get_bind().dialect.name
        query = query.where(_has_tag(dialect, tag))
    if text_query:
        pattern = f"%{_escape_like(text_query.lower())}%"
        query = query.where(
            or_(
                func.lower(Idea.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(Idea.summary, "")).like(pattern, escape="\\"),
                func.lower(func.coalesce(Idea.notes, "")).like(pattern, escape="\\"),
            )
        )
    if before is not None:
        created_at, idea_id = before
        query = query.where(
            or_(
                Idea.created_at < created_at, and_(Idea.created_at == created_at, Idea.id < idea_id)
            )
        )
    query = query.order_by(Idea.created_at.desc(), Idea.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def ideas_seen_between(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime, *, limit: int
) -> Sequence[Idea]:
    """Feed-entry ideas whose entries appeared in [start, end), newest first."""
    query = (
        select(Idea)
        .where(
            Idea.workspace_id == workspace_id,
            Idea.origin == "source_entry",
            Idea.seen_at >= start,
            Idea.seen_at < end,
        )
        .order_by(Idea.seen_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()
