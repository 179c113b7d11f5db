"""Interactions' SQL: a batch's rows and their bulk insert, and the filtered, newest-first
list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from servicekit.db import insert_rows, where_equal
from servicekit.pagination import paginate, split_page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.interactions.schemas import InteractionFilter
from user_svc.models import Interaction


@dataclass
class NewInteraction:
    """An interaction's row as ingestion writes it (the columns of `Interaction`), without
    the cost of a mapped object for each of a batch's thousand rows."""

    id: str
    workspace_id: str
    member_id: str
    platform: str
    kind: str
    external_id: str
    text: str | None
    post_id: str | None
    is_question: bool
    sentiment: str | None
    channel_id: str | None
    platform_status_id: str | None
    occurred_at: datetime
    created_at: datetime


async def insert_all(session: AsyncSession, interactions: Sequence[NewInteraction]) -> None:
    """One executemany INSERT of the batch's new interactions."""
    await insert_rows(session, Interaction, [vars(row) for row in interactions])


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
