"""Interactions' SQL: the bulk insert of a batch and the filtered, newest-first list."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.db import where_equal
from servicekit.pagination import paginate, split_page
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.interactions.schemas import InteractionFilter
from user_svc.models import Interaction

_COLUMNS = [column.key for column in Interaction.__table__.columns]


async def insert_all(session: AsyncSession, interactions: Sequence[Interaction]) -> None:
    """One multi-row INSERT (12 parameters a row, 12,000 for a full batch): the unit of work
    would cost more than the SQL."""
    if interactions:
        await session.execute(
            insert(Interaction).values(
                [{key: getattr(row, key) for key in _COLUMNS} for row in interactions]
            )
        )


async def interactions_page(
    session: AsyncSession,
    workspace_id: str,
    filters: InteractionFilter,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Interaction], str | None]:
    """A page of the workspace's interactions that `filters` match, newest first."""
    query = where_equal(
        select(Interaction).where(Interaction.workspace_id == workspace_id),
        (Interaction.member_id, filters.member_id),
        (Interaction.kind, filters.kind),
        (Interaction.platform, filters.platform),
        (Interaction.post_id, filters.post_id),
        (Interaction.sentiment, filters.sentiment),
    )
    if filters.question is not None:
        query = query.where(Interaction.is_question.is_(filters.question))
    query = paginate(
        query, created_at=Interaction.created_at, row_id=Interaction.id, cursor=cursor, limit=limit
    )
    return split_page((await session.scalars(query)).all(), limit)
