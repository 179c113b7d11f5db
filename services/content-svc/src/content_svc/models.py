"""content-svc tables: posts, where each was published, and the local copy of channels."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import UTCDateTime, new_metadata, utcnow
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

TITLE_MAX = 200
BODY_MAX = 200_000
SUMMARY_MAX = 500
URL_MAX = 2000


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


# Stored as plain strings (no database enum) so that the review workflow can add states
# (in_review, approved, scheduled) without a type migration.
class PostStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # The list endpoint: one workspace, newest first, (created_at, id) as the cursor.
        Index("ix_posts_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_MAX), default=None)
    cover_url: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    author_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    # lazy="raise": async code must load channels explicitly (selectinload).
    channels: Mapped[list[PostChannel]] = relationship(
        back_populates="post",
        lazy="raise",
        order_by="PostChannel.channel_id",
        cascade="all, delete-orphan",
    )


class PostChannel(Base):
    """One channel a post was published to, and how its distribution went."""

    __tablename__ = "post_channels"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    platform: Mapped[str | None] = mapped_column(String(50), default=None)
    url: Mapped[str | None] = mapped_column(String(URL_MAX), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The distribution whose outcome the row shows, and when that outcome happened: an
    # outcome older than this one, or a failure after this distribution's success, is stale.
    distribution_id: Mapped[str | None] = mapped_column(String(36), default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    post: Mapped[Post] = relationship(back_populates="channels", lazy="raise")


class KnownChannel(Base):
    """The local copy of a workspace's channels, kept by consuming `channel.changed`."""

    __tablename__ = "known_channels"

    channel_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(36), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(50))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(OutboxMessageMixin, Base):
    __tablename__ = "outbox_messages"


class ProcessedEvent(ProcessedEventMixin, Base):
    __tablename__ = "processed_events"
