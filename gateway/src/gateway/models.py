"""The gateway's tables: workspaces, operators, sign-ups awaiting confirmation, invitations,
sessions and API keys; the operators' notifications (robots, preferences, the notices to
send) and the recent events of the live stream, with the ids of the events applied."""

from __future__ import annotations

from typing import Annotated, Any

from servicekit.auth import ROLES
from servicekit.columns import Moment, RowId, Timestamp
from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata, one_of
from servicekit.idempotency_store import IdempotencyKeyMixin
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


# A row of a workspace, or of an operator: it goes when they go.
OfWorkspace = Annotated[
    str, mapped_column(String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
]
OfOperator = Annotated[
    str, mapped_column(String(36), ForeignKey("operators.id", ondelete="CASCADE"), index=True)
]


def role_check() -> CheckConstraint:
    """A role is one of servicekit's roles (owner, editor, reviewer, analyst)."""
    return CheckConstraint(one_of("role", ROLES), name="role")


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[RowId]
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[Timestamp]


class Operator(Base):
    __tablename__ = "operators"
    __table_args__ = (role_check(),)

    id: Mapped[RowId]
    workspace_id: Mapped[OfWorkspace]
    # Stored lower-cased, so the unique constraint makes addresses unique case-insensitively.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Timestamp]


class PendingSignup(Base):
    """A sign-up whose address has not been confirmed yet: the workspace and its owner are
    created from it when the mailed token comes back, and it is deleted then."""

    __tablename__ = "pending_signups"

    id: Mapped[RowId]
    # Lower-cased, like operators' addresses; not unique: each sign-up mails its own link.
    email: Mapped[str] = mapped_column(String(320), index=True)
    workspace_name: Mapped[str] = mapped_column(String(200))
    # Hashed when the sign-up arrives: the plain password is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the token: the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[Moment] = mapped_column(index=True)
    created_at: Mapped[Timestamp]


class PasswordReset(Base):
    """A mailed link to choose a new password: works once, until it expires."""

    __tablename__ = "password_resets"

    id: Mapped[RowId]
    operator_id: Mapped[OfOperator]
    # SHA-256 of the token: the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[Moment] = mapped_column(index=True)
    created_at: Mapped[Timestamp]


class Invitation(Base):
    """An owner's invitation: whoever holds the token may set a password and join."""

    __tablename__ = "invitations"
    __table_args__ = (role_check(),)

    id: Mapped[RowId]
    workspace_id: Mapped[OfWorkspace]
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the token: the token itself is shown once, to the owner who invited.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[Moment]
    accepted_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]


class RefreshToken(Base):
    """One refresh token of a sign-in session (its family). Each use replaces it with a new
    one; a second use of a replaced token means it leaked, and the whole family is revoked."""

    __tablename__ = "refresh_tokens"

    id: Mapped[RowId]
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    operator_id: Mapped[OfOperator]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[Moment]
    used_at: Mapped[Moment | None]
    revoked_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]


class ApiKey(Base):
    """A key for an internal system: scopes instead of roles, stored as a hash only."""

    __tablename__ = "api_keys"

    id: Mapped[RowId]
    workspace_id: Mapped[OfWorkspace]
    name: Mapped[str] = mapped_column(String(200))
    # The public part of the key (`mok_<prefix>_...`), to find it and to show it in lists.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]
    last_used_at: Mapped[Moment | None]
    revoked_at: Mapped[Moment | None]


class ProcessedEvent(ProcessedEventMixin, Base):
    """The ids of the events the gateway applied (notifications, the live stream)."""


class IdempotencyKey(IdempotencyKeyMixin, Base):
    """The answers to the gateway's own POSTs sent with an `Idempotency-Key`."""


class NotificationRobot(Base):
    """A workspace's group robot (Feishu, DingTalk, WeCom) and the notices it posts. Its
    webhook URL (it carries the robot's token) and signing secret are stored encrypted."""

    __tablename__ = "notification_robots"

    id: Mapped[RowId]
    workspace_id: Mapped[OfWorkspace]
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    webhook_url: Mapped[str] = mapped_column(Text)  # encrypted
    webhook_host: Mapped[str] = mapped_column(String(255))  # shown instead of the URL
    secret: Mapped[str | None] = mapped_column(Text, default=None)  # encrypted
    kinds: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class NotificationPreference(Base):
    """How an operator wants their mail: the kinds they turned off, those they turned on
    (of the kinds mailed only on request), one mail per notice or a digest. An operator
    without a row gets the kinds mailed by default, one mail each."""

    __tablename__ = "notification_preferences"

    operator_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[OfWorkspace]
    muted: Mapped[list[str]] = mapped_column(JSON, default=list)
    wanted: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[str] = mapped_column(String(10), default="none")
    updated_at: Mapped[Timestamp]


class Notification(Base):
    """One notice for one destination (an operator's mail, a workspace robot): made once
    per event and destination (the unique pair), sent when due, then kept as sent."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "destination"),
        # The sender's query: pending notices by when they are due.
        Index("ix_notifications_status_due_at", "status", "due_at"),
    )

    id: Mapped[RowId]
    # Not a foreign key: the event names the workspace, the gateway may not know it.
    workspace_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    destination: Mapped[str] = mapped_column(String(60))  # mail:<operator id>, robot:<id>
    operator_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("operators.id", ondelete="CASCADE"), default=None, index=True
    )
    robot_id: Mapped[str | None] = mapped_column(
        String(36),
        ForeignKey("notification_robots.id", ondelete="CASCADE"),
        default=None,
        index=True,
    )
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[Moment]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[Moment | None]
    created_at: Mapped[Timestamp]


class StreamEvent(Base):
    """A workspace's recent event, for the live stream: `seq` is the SSE id a client
    resumes from (`Last-Event-ID`)."""

    __tablename__ = "stream_events"
    __table_args__ = (Index("ix_stream_events_workspace_id_seq", "workspace_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    workspace_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[Moment] = mapped_column(index=True)
