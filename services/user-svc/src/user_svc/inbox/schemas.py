"""Inbox items out (with their interaction and member), the operators' actions in, and
the list's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import Field
from servicekit.schemas import RequestModel, ResponseModel
from servicekit.shapes import shaped

from user_svc.interactions.schemas import InteractionRead
from user_svc.kit.engagement import score_at
from user_svc.models import (
    InboxAnswer,
    InboxItem,
    InboxReason,
    InboxStatus,
    Interaction,
    InteractionSentiment,
    Member,
)


@dataclass
class InboxFilter:
    """Which items a list shows: of one status, and maybe one reason, assignee or
    sentiment; the list's query parameters."""

    status: InboxStatus = InboxStatus.OPEN
    reason: InboxReason | None = None
    assignee_id: Annotated[
        str | None, Query(max_length=64, description="`me` for the caller's own items")
    ] = None
    unassigned: bool = False
    sentiment: Annotated[
        InteractionSentiment | None,
        Query(description="Only items whose interaction's text has this sentiment"),
    ] = None


class InboxMember(ResponseModel):
    id: str
    display_name: str | None
    engagement_score: float


class InboxAnswerRead(ResponseModel):
    id: str
    status: str = Field(description="pending (being sent), sent, or failed (see reason)")
    text: str
    attempt: int = Field(description="1, and one more for each retry of a failed send")
    reason: str | None = Field(description="failed: why, in plain words")
    error_code: str | None = Field(description="failed: e.g. wechat_45015")
    platform_message_id: str | None
    answered_by: str
    created_at: datetime
    settled_at: datetime | None


class InboxItemRead(ResponseModel):
    id: str
    reason: str = Field(description="question or direct_message")
    status: str = Field(description="open, answered or closed")
    waiting_since: datetime
    waiting_seconds: int = Field(description="How long the member has waited (0 once handled)")
    priority_at: datetime = Field(
        description="Open items are ordered by this: waiting since, moved earlier by engagement"
    )
    assignee_id: str | None
    answer_text: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    interaction: InteractionRead
    member: InboxMember
    answer: InboxAnswerRead | None = Field(
        description="The latest answer sent to the member and whether it reached them"
    )

    @classmethod
    def of(
        cls,
        item: InboxItem,
        interaction: Interaction,
        member: Member,
        now: datetime,
        answer: InboxAnswer | None = None,
    ) -> InboxItemRead:
        waiting = (now - item.waiting_since).total_seconds() if item.status == "open" else 0
        return shaped(
            cls,
            item,
            waiting_seconds=max(0, int(waiting)),
            interaction=InteractionRead.model_validate(interaction),
            member=InboxMember(
                id=member.id,
                display_name=member.display_name,
                engagement_score=score_at(member.engagement_raw, now),
            ),
            answer=None if answer is None else InboxAnswerRead.model_validate(answer),
        )


class AssignRequest(RequestModel):
    assignee_id: str | None = Field(
        max_length=64, description="The operator's user id; null unassigns"
    )


class AnswerRequest(RequestModel):
    text: str = Field(min_length=1, max_length=5000, description="The reply sent to the member")
