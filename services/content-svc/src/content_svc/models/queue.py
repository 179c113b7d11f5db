"""The posting queue: weekly slots per channel, and the claims queued posts hold on them."""

from __future__ import annotations

from servicekit.columns import Moment, RowId, Timestamp
from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from content_svc.models.base import Base


class QueueSlot(Base):
    """A weekly posting time of one channel: a weekday and a local time in the workspace
    time zone. The posting queue fills these."""

    __tablename__ = "queue_slots"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "weekday", "local_time"),
        Index("ix_queue_slots_workspace_id_channel_id", "workspace_id", "channel_id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    channel_id: Mapped[str] = mapped_column(String(36))
    # 0 = Monday ... 6 = Sunday, as `date.weekday()`.
    weekday: Mapped[int] = mapped_column(Integer)
    # "HH:MM", 24-hour, in the workspace time zone.
    local_time: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[Timestamp]


class QueuedPost(Base):
    """A queued post's claim on one channel at one slot time. The unique constraint is
    what keeps two concurrent queue requests from taking the same slot."""

    __tablename__ = "queued_posts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "slot_at"),
        Index("ix_queued_posts_workspace_id_slot_at", "workspace_id", "slot_at"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    channel_id: Mapped[str] = mapped_column(String(36))
    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    slot_at: Mapped[Moment]
    created_at: Mapped[Timestamp]
