"""user-svc tables: the community (members, identities, tags, interests), what members do
(interactions, inbox items), and how operators group them (segments, communities).

Segment counts run over millions of members, so every rule a segment can hold has an index
it can use: tags, interests and identities are narrow join tables keyed by
(workspace_id, value, member_id); a member's engagement and last activity are plain indexed
columns on `members` (see `user_svc.kit.engagement` for how the score stays indexable while
it decays with time).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from servicekit.columns import Moment, RowId, Timestamp
from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata, one_of
from servicekit.idempotency_store import IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


class InteractionKind(StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    DIRECT_MESSAGE = "direct_message"
    MENTION = "mention"
    LIKE = "like"
    SHARE = "share"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    MENU_CLICK = "menu_click"  # a follower clicked an official account's menu item


class InteractionSentiment(StrEnum):
    """textkit's sentiment of the interaction's text (null: no text)."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class InboxStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class InboxReason(StrEnum):
    QUESTION = "question"
    DIRECT_MESSAGE = "direct_message"


class CommunityRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Member(Base):
    """A person of the community, across the platforms they use."""

    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_members_workspace_id_last_seen_at", "workspace_id", "last_seen_at"),
        Index("ix_members_workspace_id_engagement_raw", "workspace_id", "engagement_raw"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[Moment | None]
    last_seen_at: Mapped[Moment | None]
    # The engagement score scaled to a fixed epoch, so that it orders and filters through an
    # index although it decays with time (user_svc.kit.engagement).
    engagement_raw: Mapped[float] = mapped_column(Float, default=0.0)
    interaction_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when this record was merged into another one: reads redirect to the survivor.
    merged_into_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # Set when the member's personal data was erased on request (PIPL).
    erased_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class MemberIdentity(Base):
    """Who a member is on one platform; unique per workspace."""

    __tablename__ = "member_identities"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "external_id"),
        Index(
            "ix_member_identities_workspace_id_platform", "workspace_id", "platform", "member_id"
        ),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[Timestamp]


class MemberTag(Base):
    __tablename__ = "member_tags"
    __table_args__ = (Index("ix_member_tags_workspace_id_tag", "workspace_id", "tag", "member_id"),)

    member_id: Mapped[str] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))


class MemberInterest(Base):
    """A keyword a member wrote about, with its accumulated weight (top ones are kept)."""

    __tablename__ = "member_interests"
    __table_args__ = (
        Index("ix_member_interests_workspace_id_keyword", "workspace_id", "keyword", "member_id"),
    )

    member_id: Mapped[str] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float, default=0.0)


class Interaction(Base):
    """Something a member did on a platform; the platform's id makes ingestion idempotent."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "external_id"),
        CheckConstraint(one_of("kind", InteractionKind), name="kind"),
        CheckConstraint(one_of("sentiment", InteractionSentiment), name="sentiment"),
        Index("ix_interactions_workspace_id_created_at", "workspace_id", "created_at", "id"),
        Index("ix_interactions_member_id_occurred_at", "member_id", "occurred_at"),
        Index("ix_interactions_workspace_id_post_id", "workspace_id", "post_id", "member_id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text, default=None)
    post_id: Mapped[str | None] = mapped_column(String(64), default=None)
    is_question: Mapped[bool] = mapped_column(Boolean, default=False)
    # positive, neutral or negative (textkit.sentiment); null when there is no text.
    sentiment: Mapped[str | None] = mapped_column(String(8), default=None)
    # The channel (channel-svc's id) it came through, and on Weibo the status a comment is
    # on: what answering it from the inbox needs (null: it cannot be answered there).
    channel_id: Mapped[str | None] = mapped_column(String(36), default=None)
    platform_status_id: Mapped[str | None] = mapped_column(String(64), default=None)
    occurred_at: Mapped[Moment]
    created_at: Mapped[Timestamp]


class InboxItem(Base):
    """A question or direct message waiting for an operator."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        CheckConstraint(one_of("status", InboxStatus), name="status"),
        CheckConstraint(one_of("reason", InboxReason), name="reason"),
        # The inbox query: open items by priority.
        Index(
            "ix_inbox_items_workspace_id_status_priority", "workspace_id", "status", "priority_at"
        ),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), unique=True
    )
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=InboxStatus.OPEN.value)
    # When the member started waiting (the interaction's time) ...
    waiting_since: Mapped[Moment]
    # ... moved earlier by the member's engagement when the item opened (inbox.service).
    priority_at: Mapped[Moment]
    assignee_id: Mapped[str | None] = mapped_column(String(64), default=None)
    answer_text: Mapped[str | None] = mapped_column(Text, default=None)
    answered_by: Mapped[str | None] = mapped_column(String(64), default=None)
    answered_at: Mapped[Moment | None]
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class AnswerStatus(StrEnum):
    PENDING = "pending"  # asked of channel-svc, not settled yet
    SENT = "sent"
    FAILED = "failed"


class InboxAnswer(Base):
    """An operator's answer to an inbox item, sent to the platform by channel-svc: pending
    until `inbox.answer.settled` says sent or failed (with the reason). A failed one may be
    retried: its next `attempt`; a sent one is never sent again."""

    __tablename__ = "inbox_answers"
    __table_args__ = (CheckConstraint(one_of("status", AnswerStatus), name="status"),)

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(
        ForeignKey("inbox_items.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=AnswerStatus.PENDING.value)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    platform_message_id: Mapped[str | None] = mapped_column(String(100), default=None)
    answered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    settled_at: Mapped[Moment | None]


class Segment(Base):
    """Saved rules over members; the count and the member list are always computed live."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_workspace_id_created_at", "workspace_id", "created_at"),)

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class Community(Base):
    """A group an operator runs: a WeChat or QQ group, a Zhihu or Douban circle ..."""

    __tablename__ = "communities"
    __table_args__ = (
        Index("ix_communities_workspace_id_created_at", "workspace_id", "created_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    deleted_at: Mapped[Moment | None]


class CommunityMembership(Base):
    """One stay of a member in a community: joined, maybe left. A rejoin is a new row."""

    __tablename__ = "community_memberships"
    __table_args__ = (
        CheckConstraint(one_of("role", CommunityRole), name="role"),
        Index("ix_community_memberships_community_id_left_at", "community_id", "left_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=CommunityRole.MEMBER.value)
    joined_at: Mapped[Moment]
    left_at: Mapped[Moment | None]


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class IdempotencyKey(IdempotencyKeyMixin, Base): ...
