"""The SQL of sources, and of the ideas their entries make; every query but the fetcher's
claim of due sources is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.pagination import paginate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from content_svc.kit.ids import workspace_row
from content_svc.models import Idea, Source


async def get_source(
    session: AsyncSession, workspace_id: str, source_id: str, *, for_update: bool = False
) -> Source | None:
    return await workspace_row(session, Source, workspace_id, source_id, for_update=for_update)


async def list_sources(
    session: AsyncSession, workspace_id: str, *, limit: int, cursor: str | None
) -> Sequence[Source]:
    """Sources after `cursor`, newest first (one more than `limit`)."""
    query = paginate(
        select(Source).where(Source.workspace_id == workspace_id),
        created_at=Source.created_at,
        row_id=Source.id,
        cursor=cursor,
        limit=limit,
    )
    return (await session.scalars(query)).all()


async def claim_due(session: AsyncSession, now: datetime, *, limit: int) -> list[Source]:
    """Enabled sources whose fetch is due, locked; rows another worker holds are skipped."""
    query = (
        select(Source)
        .where(Source.enabled.is_(True), Source.next_fetch_at <= now)
        .order_by(Source.next_fetch_at, Source.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


# Keys are looked up in chunks: a 1,000-entry feed stays within every driver's limits.
_CHUNK = 500


async def existing_keys(
    session: AsyncSession, workspace_id: str, entry_keys: Sequence[str], url_keys: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Which of these entry ids and canonical URLs the workspace's ideas already have."""
    return (
        await _present(session, workspace_id, Idea.entry_key, entry_keys),
        await _present(session, workspace_id, Idea.url_key, url_keys),
    )


async def _present(
    session: AsyncSession,
    workspace_id: str,
    column: InstrumentedAttribute[str | None],
    keys: Sequence[str],
) -> set[str]:
    present: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        rows = await session.scalars(
            select(column).where(Idea.workspace_id == workspace_id, column.in_(chunk))
        )
        present.update(key for key in rows if key)
    return present
