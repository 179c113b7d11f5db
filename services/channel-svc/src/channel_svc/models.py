"""channel-svc tables: channels (where posts go) and distributions (one post to one channel)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import UTCDateTime, new_metadata, utcnow
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


def new_id() -> str:
    return str(uuid.uuid4())


class ChannelStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"


class DistributionStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Channel(Base):
    """A place a workspace publishes to: a webhook today, a WeChat account or Weibo later."""

    __tablename__ = "channels"
    __table_args__ = (CheckConstraint(_one_of("status", ChannelStatus), name="status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # Platform settings that are not secret (the webhook URL); checked by the platform adapter.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Fernet token of the secret; never leaves the service.
    secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(20), default=ChannelStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Distribution(Base):
    """One published post on its way to one channel, with its attempts and outcome."""

    __tablename__ = "distributions"
    __table_args__ = (
        UniqueConstraint("post_id", "channel_id"),
        CheckConstraint(_one_of("status", DistributionStatus), name="status"),
        # The delivery worker's query: due pending rows in order.
        Index("ix_distributions_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    # Looked up through the unique (post_id, channel_id) index.
    post_id: Mapped[str] = mapped_column(String(64))
    # Not a foreign key: the id comes from the post's snapshot and may name no channel.
    channel_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=DistributionStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last failure in words an operator understands, and its machine-readable code.
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    # The post.published payload, as published: what is sent, whatever the post is now.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMessage(OutboxMessageMixin, Base):
    __tablename__ = "outbox_messages"


class ProcessedEvent(ProcessedEventMixin, Base):
    __tablename__ = "processed_events"
