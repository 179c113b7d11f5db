"""The identity queries: operators by address, pending sign-ups, password links,
invitations and the refresh tokens of sign-in sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import (
    Invitation,
    Operator,
    PasswordReset,
    PendingSignup,
    RefreshToken,
    Workspace,
)

# --- operators ---------------------------------------------------------------------------


async def operator_by_email(session: AsyncSession, email: str) -> Operator | None:
    result = await session.execute(select(Operator).where(Operator.email == email))
    return result.scalar_one_or_none()


async def operator_with_workspace(
    session: AsyncSession, operator_id: str, workspace_id: str
) -> tuple[Operator, Workspace] | None:
    row = (
        await session.execute(
            select(Operator, Workspace)
            .join(Workspace, Workspace.id == Operator.workspace_id)
            .where(Operator.id == operator_id, Operator.workspace_id == workspace_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


# --- sign-ups awaiting confirmation ------------------------------------------------------


async def delete_expired_signups(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(PendingSignup).where(PendingSignup.expires_at <= now))


async def signup_address(session: AsyncSession, token_hash: str) -> str | None:
    """The address of the pending sign-up with this token."""
    email: str | None = await session.scalar(
        select(PendingSignup.email).where(PendingSignup.token_hash == token_hash)
    )
    return email


async def lock_signups_of(session: AsyncSession, email: str) -> list[PendingSignup]:
    """Every pending sign-up of the address, locked in one order: two of its links confirmed
    at once wait for each other instead of deadlocking, and the later finds its row gone."""
    return list(
        (
            await session.scalars(
                select(PendingSignup)
                .where(PendingSignup.email == email)
                .order_by(PendingSignup.id)
                .with_for_update()
            )
        ).all()
    )


async def delete_signups_of(session: AsyncSession, email: str) -> None:
    await session.execute(delete(PendingSignup).where(PendingSignup.email == email))


# --- password links ----------------------------------------------------------------------


async def delete_expired_resets(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(PasswordReset).where(PasswordReset.expires_at <= now))


async def reset_by_token(session: AsyncSession, token_hash: str) -> PasswordReset | None:
    reset: PasswordReset | None = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash)
    )
    return reset


async def use_reset(session: AsyncSession, reset_id: str) -> bool:
    """Delete the link; whether this call deleted it (of two at once, only one does)."""
    used = await session.execute(delete(PasswordReset).where(PasswordReset.id == reset_id))
    return bool(getattr(used, "rowcount", 0))


async def delete_resets_of(session: AsyncSession, operator_id: str) -> None:
    await session.execute(delete(PasswordReset).where(PasswordReset.operator_id == operator_id))


# --- invitations -------------------------------------------------------------------------


async def lock_invitation(session: AsyncSession, token_hash: str) -> Invitation | None:
    return (
        await session.execute(
            select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
        )
    ).scalar_one_or_none()


# --- sessions (refresh token families) ---------------------------------------------------


async def lock_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
    ).scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: str) -> None:
    await _revoke(session, RefreshToken.family_id == family_id)


async def revoke_operator_sessions(session: AsyncSession, operator_id: str) -> None:
    await _revoke(session, RefreshToken.operator_id == operator_id)


async def _revoke(session: AsyncSession, which: ColumnElement[bool]) -> None:
    await session.execute(
        update(RefreshToken)
        .where(which, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def family_revoked(session: AsyncSession, family_id: str) -> bool:
    """Whether the sign-in session (a refresh family) was logged out or revoked."""
    revoked = await session.scalar(
        select(RefreshToken.id)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
        .limit(1)
    )
    return revoked is not None
