"""The gateway's tables: workspaces, operators, sign-ups awaiting confirmation, invitations,
sessions and API keys."""

from __future__ import annotations

from typing import Annotated

from servicekit.auth import ROLES
from servicekit.columns import Moment, RowId, Timestamp
from servicekit.db import new_metadata, one_of
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String
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
