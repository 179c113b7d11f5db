"""The inbox's SQL: items with their interaction and member, one by id or a page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.pagination import keyset, split_page
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.inbox.schemas import InboxFilter
from user_svc.kit.rows import scoped_get
from user_svc.models import InboxAnswer, InboxItem, InboxStatus, Interaction, Member, MemberIdentity

InboxRow = tuple[InboxItem, Interaction, Member]


def _rows(workspace_id: str) -> Select[*tuple[Any, ...]]:
    # Typed loosely: servicekit's keyset is typed for selects of one entity, this is three.
    return (
        select(InboxItem, Interaction, Member)
        .join(Interaction, Interaction.id == InboxItem.interaction_id)
        .join(Member, Member.id == InboxItem.member_id)
        .where(InboxItem.workspace_id == workspace_id)
    )


async def get_row(session: AsyncSession, workspace_id: str, item_id: str) -> InboxRow | None:
    row = (await session.execute(_rows(workspace_id).where(InboxItem.id == item_id))).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def rows_page(
    session: AsyncSession,
    workspace_id: str,
    filters: InboxFilter,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[InboxRow], str | None]:
    """Open items most urgent first; handled ones most recently handled first."""
    query = _rows(workspace_id).where(InboxItem.status == filters.status.value)
    if filters.reason is not None:
        query = query.where(InboxItem.reason == filters.reason.value)
    if filters.assignee_id is not None:
        query = query.where(InboxItem.assignee_id == filters.assignee_id)
    if filters.unassigned:
        query = query.where(InboxItem.assignee_id.is_(None))
    if filters.sentiment is not None:
        query = query.where(Interaction.sentiment == filters.sentiment.value)
    open_items = filters.status is InboxStatus.OPEN
    sort = f"inbox-{filters.status.value}"
    query = keyset(
        query,
        sort=sort,
        column=InboxItem.priority_at if open_items else InboxItem.updated_at,
        row_id=InboxItem.id,
        cursor=cursor,
        limit=limit,
        descending=not open_items,
    )
    rows = [(r[0], r[1], r[2]) for r in (await session.execute(query)).all()]

    def key(row: InboxRow) -> tuple[datetime, str]:
        return (row[0].priority_at if open_items else row[0].updated_at), row[0].id

    return split_page(rows, limit, sort=sort, key=key)


async def latest_answers(
    session: AsyncSession, workspace_id: str, item_ids: list[str]
) -> dict[str, InboxAnswer]:
    """The latest answer of each of `item_ids` that has one."""
    if not item_ids:
        return {}
    query = (
        select(InboxAnswer)
        .where(InboxAnswer.workspace_id == workspace_id, InboxAnswer.item_id.in_(item_ids))
        .order_by(InboxAnswer.created_at, InboxAnswer.id)
    )
    return {answer.item_id: answer for answer in (await session.execute(query)).scalars()}


async def get_answer(
    session: AsyncSession, workspace_id: str, item_id: str, answer_id: str
) -> InboxAnswer | None:
    return await scoped_get(
        session, InboxAnswer, workspace_id, answer_id, InboxAnswer.item_id == item_id
    )


async def answer_by_id(
    session: AsyncSession, workspace_id: str, answer_id: str
) -> InboxAnswer | None:
    return await scoped_get(session, InboxAnswer, workspace_id, answer_id)


async def identity_on(session: AsyncSession, member_id: str, platform: str) -> str | None:
    """The member's id on `platform` (WeChat: the openid), if known."""
    query = select(MemberIdentity.external_id).where(
        MemberIdentity.member_id == member_id, MemberIdentity.platform == platform
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()
