"""The inbox: questions and direct messages waiting for an operator.

Open items are ordered by priority: the time the member started waiting, moved earlier by
`BOOST_PER_POINT` for each point of the member's engagement score when the item opened (at
most `MAX_BOOST`). A fan with a score of 30 who asked an hour ago comes before a first-time
visitor who asked four hours ago; nobody waits more than `MAX_BOOST` behind newer askers.
The priority is stored, so the inbox is one indexed, cursor-paginated query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from servicekit.db import new_id, utcnow
from servicekit.problems import Conflict, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.inbox import repository
from user_svc.inbox.repository import InboxRow
from user_svc.kit.engagement import score_at
from user_svc.models import InboxItem, InboxReason, InboxStatus, Interaction, Member

BOOST_PER_POINT = timedelta(minutes=10)
MAX_BOOST = timedelta(hours=12)


def priority(waiting_since: datetime, score: float) -> datetime:
    return waiting_since - min(BOOST_PER_POINT * score, MAX_BOOST)


def open_inbox_items(
    session: AsyncSession, stored: Sequence[tuple[Interaction, Member]], *, now: datetime
) -> None:
    """An inbox item for each direct message and each question among `stored`."""
    for interaction, member in stored:
        if interaction.kind == "direct_message":
            reason = InboxReason.DIRECT_MESSAGE
        elif interaction.is_question:
            reason = InboxReason.QUESTION
        else:
            continue
        score = score_at(member.engagement_raw, now)
        session.add(
            InboxItem(
                id=new_id(),
                workspace_id=interaction.workspace_id,
                interaction_id=interaction.id,
                member_id=interaction.member_id,
                reason=reason.value,
                status=InboxStatus.OPEN.value,
                waiting_since=interaction.occurred_at,
                priority_at=priority(interaction.occurred_at, score),
                created_at=now,
                updated_at=now,
            )
        )


async def get_item(session: AsyncSession, workspace_id: str, item_id: str) -> InboxRow:
    row = await repository.get_row(session, workspace_id, item_id)
    if row is None:
        raise NotFound(f"No inbox item {item_id} in this workspace.")
    return row


# A list has no rule beyond its query: the page comes from the repository as it is.
list_items = repository.rows_page


def _must_be_open(item: InboxItem) -> None:
    if item.status != InboxStatus.OPEN.value:
        raise Conflict(f"Inbox item {item.id} is {item.status}; reopen it first.")


async def assign(
    session: AsyncSession, workspace_id: str, item_id: str, assignee_id: str | None
) -> InboxRow:
    item, interaction, member = await get_item(session, workspace_id, item_id)
    _must_be_open(item)
    item.assignee_id = assignee_id
    item.updated_at = utcnow()
    await session.flush()
    return item, interaction, member


async def answer(
    session: AsyncSession, workspace_id: str, item_id: str, *, text: str, operator_id: str
) -> InboxRow:
    item, interaction, member = await get_item(session, workspace_id, item_id)
    _must_be_open(item)
    if member.erased_at is not None:
        raise Conflict(f"The member of inbox item {item_id} was erased.")
    now = utcnow()
    item.status = InboxStatus.ANSWERED.value
    item.answer_text = text
    item.answered_by = operator_id
    item.answered_at = now
    item.assignee_id = item.assignee_id or operator_id
    item.updated_at = now
    await session.flush()
    return item, interaction, member


async def close(
    session: AsyncSession, workspace_id: str, item_id: str, *, operator_id: str
) -> InboxRow:
    item, interaction, member = await get_item(session, workspace_id, item_id)
    _must_be_open(item)
    now = utcnow()
    item.status = InboxStatus.CLOSED.value
    item.closed_by = operator_id
    item.closed_at = now
    item.updated_at = now
    await session.flush()
    return item, interaction, member


async def reopen(session: AsyncSession, workspace_id: str, item_id: str) -> InboxRow:
    item, interaction, member = await get_item(session, workspace_id, item_id)
    if item.status == InboxStatus.OPEN.value:
        raise Conflict(f"Inbox item {item_id} is already open.")
    if member.erased_at is not None:
        raise Conflict(f"The member of inbox item {item_id} was erased.")
    item.status = InboxStatus.OPEN.value
    item.closed_at = None
    item.closed_by = None
    item.updated_at = utcnow()
    await session.flush()
    return item, interaction, member
