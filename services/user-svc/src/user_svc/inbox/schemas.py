from __future__ import annotations

from datetime import datetime

from pydantic import Field
from servicekit.schemas import RequestModel, ResponseModel

from user_svc.interactions.schemas import InteractionOut
from user_svc.kit.engagement import score_at
from user_svc.models import InboxItem, Interaction, Member


class InboxMember(ResponseModel):
    id: str
    display_name: str | None
    engagement_score: float


class InboxItemOut(ResponseModel):
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
    interaction: InteractionOut
    member: InboxMember

    @classmethod
    def of(
        cls, item: InboxItem, interaction: Interaction, member: Member, now: datetime
    ) -> InboxItemOut:
        waiting = (now - item.waiting_since).total_seconds() if item.status == "open" else 0
        return cls(
            id=item.id,
            reason=item.reason,
            status=item.status,
            waiting_since=item.waiting_since,
            waiting_seconds=max(0, int(waiting)),
            priority_at=item.priority_at,
            assignee_id=item.assignee_id,
            answer_text=item.answer_text,
            answered_by=item.answered_by,
            answered_at=item.answered_at,
            closed_by=item.closed_by,
            closed_at=item.closed_at,
            interaction=InteractionOut.model_validate(interaction),
            member=InboxMember(
                id=member.id,
                display_name=member.display_name,
                engagement_score=score_at(member.engagement_raw, now),
            ),
        )


class AssignRequest(RequestModel):
    assignee_id: str | None = Field(
        max_length=64, description="The operator's user id; null unassigns"
    )


class AnswerRequest(RequestModel):
    text: str = Field(min_length=1, max_length=5000, description="The reply sent to the member")
