"""The rules of a workspace's team: only owners manage it, and it always keeps an owner.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from servicekit.auth import Caller
from servicekit.pagination import paginate, split_page
from servicekit.problems import Conflict, NotFound
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import mails
from gateway.identity.service import digest, normalise_email, revoke_operator_sessions
from gateway.mail import Mailer
from gateway.models import Invitation, Operator


async def invite(
    session: AsyncSession,
    mailer: Mailer,
    caller: Caller,
    *,
    email: str,
    role: str,
    ttl: timedelta,
    public_url: str,
) -> tuple[Invitation, str]:
    """A new invitation and its token (the token is never stored, only its hash); the
    address is mailed a link to accept it once the invitation is stored.

    Whether the address already has an account is not checked here, so the answer never
    tells; accepting fails for such an address, with the same words as any other refusal.
    """
    token = mails.INVITATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(
        workspace_id=caller.workspace_id,
        email=normalise_email(email),
        role=role,
        token_hash=digest(token),
        invited_by=caller.user_id,
        expires_at=datetime.now(UTC) + ttl,
    )
    session.add(invitation)
    await session.flush()
    mailer.send_after_commit(
        session,
        mails.invitation(
            mailer,
            to=invitation.email,
            token=token,
            role=role,
            public_url=public_url,
            valid_for=ttl,
        ),
    )
    return invitation, token


async def pending_invitations(
    session: AsyncSession, caller: Caller, *, cursor: str | None, limit: int
) -> tuple[list[Invitation], str | None]:
    query = select(Invitation).where(
        Invitation.workspace_id == caller.workspace_id,
        Invitation.accepted_at.is_(None),
        Invitation.expires_at > datetime.now(UTC),
    )
    page = paginate(
        query,
        created_at=Invitation.created_at,
        row_id=Invitation.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page(list((await session.execute(page)).scalars()), limit)


async def withdraw_invitation(session: AsyncSession, caller: Caller, invitation_id: str) -> None:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != caller.workspace_id:
        raise NotFound("There is no such invitation.")
    await session.delete(invitation)


async def list_operators(
    session: AsyncSession, caller: Caller, *, cursor: str | None, limit: int
) -> tuple[list[Operator], str | None]:
    page = paginate(
        select(Operator).where(Operator.workspace_id == caller.workspace_id),
        created_at=Operator.created_at,
        row_id=Operator.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page(list((await session.execute(page)).scalars()), limit)


async def get_operator(session: AsyncSession, caller: Caller, operator_id: str) -> Operator:
    operator = await session.get(Operator, operator_id)
    if operator is None or operator.workspace_id != caller.workspace_id:
        raise NotFound("There is no such operator.")
    return operator


async def change(
    session: AsyncSession,
    caller: Caller,
    operator_id: str,
    *,
    role: str | None,
    disabled: bool | None,
    display_name: str | None,
) -> Operator:
    """Change an operator's role, status or name; a disabled operator's sessions end."""
    operator = await get_operator(session, caller, operator_id)
    loses_owner = (
        operator.role == "owner"
        and not operator.disabled
        and ((role is not None and role != "owner") or disabled is True)
    )
    if loses_owner and await _active_owners(session, caller.workspace_id) <= 1:
        raise Conflict("A workspace keeps at least one active owner.")
    if role is not None:
        operator.role = role
    if display_name is not None:
        operator.display_name = display_name
    if disabled is not None:
        operator.disabled = disabled
        if disabled:
            await revoke_operator_sessions(session, operator.id)
    await session.flush()
    return operator


async def _active_owners(session: AsyncSession, workspace_id: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Operator)
        .where(
            Operator.workspace_id == workspace_id,
            Operator.role == "owner",
            Operator.disabled.is_(False),
        )
    )
    return int(count or 0)
