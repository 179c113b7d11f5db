"""The SQL of word lists; every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.pagination import CREATED, PageRequest, keyset
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import workspace_row
from content_svc.models import Wordlist


async def get_wordlist(
    session: AsyncSession, workspace_id: str, wordlist_id: str, *, for_update: bool = False
) -> Wordlist | None:
    return await workspace_row(session, Wordlist, workspace_id, wordlist_id, for_update=for_update)


async def list_wordlists(session: AsyncSession, workspace_id: str) -> Sequence[Wordlist]:
    """The workspace's word lists, oldest first."""
    query = (
        select(Wordlist)
        .where(Wordlist.workspace_id == workspace_id)
        .order_by(Wordlist.created_at, Wordlist.id)
    )
    return (await session.scalars(query)).all()


async def page_of_wordlists(
    session: AsyncSession, workspace_id: str, page: PageRequest
) -> Sequence[Wordlist]:
    """The workspace's word lists after `page.cursor`, oldest first (one more than
    `page.limit`)."""
    query = keyset(
        select(Wordlist).where(Wordlist.workspace_id == workspace_id),
        sort=CREATED,
        column=Wordlist.created_at,
        row_id=Wordlist.id,
        cursor=page.cursor,
        limit=page.limit,
        descending=False,
    )
    return (await session.scalars(query)).all()
