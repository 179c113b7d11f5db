"""The webhook subscriptions of internal systems, each event's delivery to one of them, and
every attempt at it (see `channel_svc.webhook_subscriptions`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from servicekit.columns import Moment, RowId, Timestamp
from servicekit.db import one_of
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from channel_svc.models.base import Base


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (the first send, or a retry)
    SENDING = "sending"  # claimed by a worker, under its lease
    DELIVERED = "delivered"
    FAILED = "failed"  # refused for good, out of retries, or its subscription turned off


class WebhookSubscription(Base):
    """A URL of an internal system that receives the workspace's events of some types."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(500), default=None)
    # Registry topic names (`post.published`, ...).
    event_types: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Fernet tokens of the signing secret (`whsec_...`), and of the one it replaced, which
    # still signs beside it until `previous_secret_until` (receivers switch meanwhile).
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_until: Mapped[Moment | None]
    # Why and when it was turned off (by its owner, or after failing persistently).
    disabled_reason: Mapped[str | None] = mapped_column(Text, default=None)
    disabled_at: Mapped[Moment | None]
    # The first failed attempt since the last success (None: not failing).
    failing_since: Mapped[Moment | None]
    last_success_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class WebhookDelivery(Base):
    """One event on its way to one subscription: made once per (subscription, event)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        CheckConstraint(one_of("status", WebhookDeliveryStatus), name="status"),
        # The worker's query: due pending rows in order.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # A subscription's delivery log, newest first.
        Index("ix_webhook_deliveries_subscription_id_created_at", "subscription_id", "created_at"),
    )

    id: Mapped[RowId]  # the `webhook-id` header: the same on every attempt
    subscription_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(200))
    # The event's message key (the aggregate: a post id, a member id...).
    event_key: Mapped[str] = mapped_column(String(200), index=True)
    occurred_at: Mapped[Moment]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=WebhookDeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Attempts since it was queued (or redelivered): its place in the retry schedule.
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[Moment | None]
    next_attempt_at: Mapped[Moment | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[Moment | None]
    # While `sending`: the worker holding it, until the lease runs out (see distributions).
    claimed_by: Mapped[str | None] = mapped_column(String(36), default=None)
    lease_until: Mapped[Moment | None]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class WebhookAttempt(Base):
    """One request of a delivery and what came of it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[RowId]
    delivery_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[Moment]
    # delivered | retry | failed
    outcome: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer)
