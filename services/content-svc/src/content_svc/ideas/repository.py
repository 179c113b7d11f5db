"""The SQL of ideas; every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.db import where_equal
from servicekit.pagination import paginate
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.ideas.schemas import IdeaFilter
from content_svc.kit.ids import workspace_row
from content_svc.kit.sql import holds_label, mentions
from content_svc.models import Idea, MemberQuestion


async def get_idea(
    session: AsyncSession, workspace_id: str, idea_id: str, *, for_update: bool = False
) -> Idea | None:
    return await workspace_row(session, Idea, workspace_id, idea_id, for_update=for_update)


async def list_ideas(
    session: AsyncSession,
    workspace_id: str,
    filters: IdeaFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Sequence[Idea]:
    """The ideas `filters` lets through, after `cursor`, newest first (one more than
    `limit`)."""
    query = where_equal(
        select(Idea).where(Idea.workspace_id == workspace_id),
        (Idea.status, filters.status),
        (Idea.origin, filters.origin),
        (Idea.source_id, filters.source_id),
    )
    if filters.tag is not None:
        query = query.where(holds_label(session, Idea.tags, filters.tag))
    if filters.q:
        query = query.where(mentions(filters.q, Idea.title, Idea.summary, Idea.notes))
    query = paginate(query, created_at=Idea.created_at, row_id=Idea.id, cursor=cursor, limit=limit)
    return (await session.scalars(query)).all()


# ---- user needs: members' questions and the ideas they make ------------------------------


async def need_ideas(
    session: AsyncSession, workspace_id: str, terms: Sequence[str]
) -> dict[str, Idea]:
    """The workspace's user-need ideas about these keywords, locked, by keyword."""
    rows = await session.scalars(
        select(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.need_key.in_(list(terms)))
        .with_for_update()
    )
    return {row.need_key: row for row in rows if row.need_key}


async def recent_questions(
    session: AsyncSession, workspace_id: str, since: datetime, *, limit: int
) -> list[tuple[str, str, list[str]]]:
    """(member, text, keywords) of the questions asked since `since`, newest first."""
    rows = await session.execute(
        select(MemberQuestion.member_id, MemberQuestion.text, MemberQuestion.keywords)
        .where(MemberQuestion.workspace_id == workspace_id, MemberQuestion.asked_at >= since)
        .order_by(MemberQuestion.asked_at.desc())
        .limit(limit)
    )
    return [(row[0], row[1], list(row[2])) for row in rows.all()]


async def questions_of(
    session: AsyncSession, workspace_id: str, member_ids: Sequence[str]
) -> list[tuple[str, list[str]]]:
    """(text, keywords) of these members' questions, oldest first."""
    rows = await session.execute(
        select(MemberQuestion.text, MemberQuestion.keywords)
        .where(
            MemberQuestion.workspace_id == workspace_id,
            MemberQuestion.member_id.in_(member_ids),
        )
        .order_by(MemberQuestion.asked_at)
    )
    return [(row[0], list(row[1])) for row in rows.all()]


async def delete_questions(
    session: AsyncSession, workspace_id: str, member_ids: Sequence[str]
) -> None:
    await session.execute(
        delete(MemberQuestion).where(
            MemberQuestion.workspace_id == workspace_id, MemberQuestion.member_id.in_(member_ids)
        )
    )


async def ideas_of_origin(session: AsyncSession, workspace_id: str, origin: str) -> Sequence[Idea]:
    """The workspace's ideas of `origin`, locked."""
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.origin == origin)
        .with_for_update()
    )
    return (await session.scalars(query)).all()
