"""The rules of a workspace's team: only owners manage it, and it always keeps an owner.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicekit.auth import Caller
from servicekit.problems import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import mails
from gateway.identity.addresses import normalise_email
from gateway.identity.sessions import end_every_session
from gateway.kit.tokens import digest, new_token
from gateway.kit.workspace_rows import get_in_workspace, page_in_workspace
from gateway.mail.mailer import Mailer
from gateway.models import Invitation, Operator
from gateway.operators import repository


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
    token = new_token(mails.INVITATION_TOKEN_PREFIX)
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
    return await repository.pending_invitations_page(
        session, caller.workspace_id, datetime.now(UTC), cursor=cursor, limit=limit
    )


async def withdraw_invitation(session: AsyncSession, caller: Caller, invitation_id: str) -> None:
    invitation = await get_in_workspace(
        session, Invitation, invitation_id, caller.workspace_id, "invitation"
    )
    await session.delete(invitation)


async def get_operator(session: AsyncSession, caller: Caller, operator_id: str) -> Operator:
    return await get_in_workspace(session, Operator, operator_id, caller.workspace_id, "operator")


async def list_operators(
    session: AsyncSession, caller: Caller, *, cursor: str | None, limit: int
) -> tuple[list[Operator], str | None]:
    """The workspace's team, newest first, disabled operators included."""
    return await page_in_workspace(
        session, Operator, caller.workspace_id, cursor=cursor, limit=limit
    )


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
    if loses_owner and await repository.active_owners(session, caller.workspace_id) <= 1:
        raise Conflict("A workspace keeps at least one active owner.")
    if role is not None:
        operator.role = role
    if display_name is not None:
        operator.display_name = display_name
    if disabled is not None:
        operator.disabled = disabled
        if disabled:
            await end_every_session(session, operator.id)
    await session.flush()
    return operator
