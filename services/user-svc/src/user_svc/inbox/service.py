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

from event_contracts import InboxAnswerRequestedV1, InboxAnswerSettledV1, InboxItemAssignedV1
from servicekit.db import insert_rows, new_id, utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.events import emit
from user_svc.inbox import repository
from user_svc.inbox.repository import InboxRow
from user_svc.interactions.repository import NewInteraction
from user_svc.kit.engagement import score_at
from user_svc.models import (
    AnswerStatus,
    InboxAnswer,
    InboxItem,
    InboxReason,
    InboxStatus,
    Interaction,
    Member,
)

# The platforms an inbox answer can be sent to, and the longest text each takes.
ANSWERABLE = {"wechat": 5000, "weibo": 140}
BOOST_PER_POINT = timedelta(minutes=10)
MAX_BOOST = timedelta(hours=12)
# How much of the member's text an assignment notice carries.
EXCERPT_CHARS = 140


def priority(waiting_since: datetime, score: float) -> datetime:
    return waiting_since - min(BOOST_PER_POINT * score, MAX_BOOST)


async def open_inbox_items(
    session: AsyncSession, stored: Sequence[tuple[NewInteraction, float]], *, now: datetime
) -> None:
    """An inbox item for each direct message and each question among `stored` (each with
    its member's `engagement_raw`), written in one statement."""
    rows = []
    for interaction, engagement_raw in stored:
        if interaction.kind == "direct_message":
            reason = InboxReason.DIRECT_MESSAGE
        elif interaction.is_question:
            reason = InboxReason.QUESTION
        else:
            continue
        score = score_at(engagement_raw, now)
        rows.append(
            {
                "id": new_id(),
                "workspace_id": interaction.workspace_id,
                "interaction_id": interaction.id,
                "member_id": interaction.member_id,
                "reason": reason.value,
                "status": InboxStatus.OPEN.value,
                "waiting_since": interaction.occurred_at,
                "priority_at": priority(interaction.occurred_at, score),
                "created_at": now,
                "updated_at": now,
            }
        )
    await insert_rows(session, InboxItem, rows)


async def get_item(session: AsyncSession, workspace_id: str, item_id: str) -> InboxRow:
    row = await repository.get_row(session, workspace_id, item_id)
    if row is None:
        raise NotFound(f"No inbox item {item_id} in this workspace.")
    return row


# A list has no rule beyond its query: the page comes from the repository as it is, and
# so do the latest answers shown with the items.
list_items = repository.rows_page
latest_answers = repository.latest_answers


def _must_be_open(item: InboxItem) -> None:
    if item.status != InboxStatus.OPEN.value:
        raise Conflict(f"Inbox item {item.id} is {item.status}; reopen it first.")


async def assign(
    session: AsyncSession,
    workspace_id: str,
    item_id: str,
    assignee_id: str | None,
    *,
    assigned_by: str | None = None,
) -> InboxRow:
    """Give an open item to `assignee_id` (None: to nobody). A new assignee hears of it
    (`inbox.item.assigned`); assigning it again to the same one says nothing."""
    item, interaction, member = await get_item(session, workspace_id, item_id)
    _must_be_open(item)
    now = utcnow()
    if assignee_id is not None and assignee_id != item.assignee_id:
        text = interaction.text
        assigned = InboxItemAssignedV1(
            item_id=item.id,
            workspace_id=workspace_id,
            assignee_id=assignee_id,
            assigned_by=assigned_by,
            platform=interaction.platform,
            excerpt=text[:EXCERPT_CHARS] if text else None,
            assigned_at=now,
        )
        emit(session, assigned)
    item.assignee_id = assignee_id
    item.updated_at = now
    await session.flush()
    return item, interaction, member


async def _recipient(
    session: AsyncSession, interaction: Interaction, member: Member
) -> tuple[str, str | None]:
    """Whom the platform sends the answer to (WeChat: the openid; Weibo: the comment id
    and its status id), or 422 naming why the interaction cannot be answered there."""
    platform = interaction.platform
    if platform not in ANSWERABLE:
        raise Invalid(f"Answers cannot be sent to {platform}; only to WeChat and Weibo.")
    if interaction.channel_id is None:
        raise Invalid(
            f"The {platform} {interaction.kind} came in without its channel (channel_id), so "
            "there is no account to answer from."
        )
    if platform == "weibo":
        if interaction.kind != "comment" or interaction.platform_status_id is None:
            raise Invalid(
                "Only Weibo comments recorded with their status (platform_status_id) can be "
                "answered."
            )
        return interaction.external_id, interaction.platform_status_id
    openid = await repository.identity_on(session, member.id, platform)
    if openid is None:
        raise Invalid("The member has no WeChat openid to send the answer to.")
    return openid, None


def _request(
    answer: InboxAnswer, interaction: Interaction, recipient: tuple[str, str | None]
) -> InboxAnswerRequestedV1:
    return shaped(
        InboxAnswerRequestedV1,
        answer,
        answer_id=answer.id,
        platform=interaction.platform,
        recipient_id=recipient[0],
        status_id=recipient[1],
        requested_at=utcnow(),
    )


async def answer(
    session: AsyncSession, workspace_id: str, item_id: str, *, text: str, operator_id: str
) -> tuple[InboxRow, InboxAnswer]:
    """Record the answer (pending) and ask channel-svc to send it, in one transaction."""
    item, interaction, member = await get_item(session, workspace_id, item_id)
    _must_be_open(item)
    if member.erased_at is not None:
        raise Conflict(f"The member of inbox item {item_id} was erased.")
    recipient = await _recipient(session, interaction, member)
    longest = ANSWERABLE[interaction.platform]
    if len(text) > longest:
        raise Invalid.field(
            "text", f"{interaction.platform} takes at most {longest} characters ({len(text)})"
        )
    assert interaction.channel_id is not None  # checked by _recipient
    now = utcnow()
    item.status = InboxStatus.ANSWERED.value
    item.answer_text = text
    item.answered_by = operator_id
    item.answered_at = now
    item.assignee_id = item.assignee_id or operator_id
    item.updated_at = now
    sent = InboxAnswer(
        id=new_id(),
        workspace_id=workspace_id,
        item_id=item.id,
        channel_id=interaction.channel_id,
        text=text,
        status=AnswerStatus.PENDING.value,
        attempt=1,
        answered_by=operator_id,
        created_at=now,
    )
    session.add(sent)
    await session.flush()
    emit(session, _request(sent, interaction, recipient), subject=sent.id)
    return (item, interaction, member), sent


async def retry(
    session: AsyncSession, workspace_id: str, item_id: str, answer_id: str
) -> tuple[InboxRow, InboxAnswer]:
    """Send a failed answer again (its next attempt); a sent or pending one: 409."""
    item, interaction, member = await get_item(session, workspace_id, item_id)
    sent = await repository.get_answer(session, workspace_id, item_id, answer_id)
    if sent is None:
        raise NotFound(f"No answer {answer_id} on inbox item {item_id}.")
    if sent.status != AnswerStatus.FAILED.value:
        raise Conflict(
            f"Answer {answer_id} is {sent.status}; only a failed answer can be sent again."
        )
    if member.erased_at is not None:
        raise Conflict(f"The member of inbox item {item_id} was erased.")
    recipient = await _recipient(session, interaction, member)
    sent.attempt += 1
    sent.status = AnswerStatus.PENDING.value
    sent.reason = sent.error_code = sent.settled_at = None
    await session.flush()
    emit(session, _request(sent, interaction, recipient), subject=sent.id)
    return (item, interaction, member), sent


async def settle(session: AsyncSession, settled: InboxAnswerSettledV1) -> None:
    """channel-svc's outcome of an answer's attempt; an outdated attempt changes nothing."""
    sent = await repository.answer_by_id(session, settled.workspace_id, settled.answer_id)
    if sent is None or sent.attempt != settled.attempt:
        return
    if sent.status != AnswerStatus.PENDING.value:
        return
    sent.status = settled.outcome
    sent.reason = settled.reason
    sent.error_code = settled.error_code
    sent.platform_message_id = settled.platform_message_id
    sent.settled_at = settled.settled_at
    await session.flush()


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
