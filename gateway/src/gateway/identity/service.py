"""The accounts: who may sign up (a workspace and its owner, after the address is
confirmed), who may join one (an invitation), and what the caller's profile says.

Never commits and never knows HTTP; the request owns the transaction. Passwords are
`gateway.identity.passwords`; sign-in sessions are `gateway.identity.sessions`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from servicekit.auth import Caller
from servicekit.problems import BadRequest, Conflict, Invalid, Unauthorized
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import mails, repository
from gateway.identity.addresses import check_email, normalise_email
from gateway.identity.passwords import check_password_strength, hashed
from gateway.kit.tokens import digest, new_token
from gateway.mail.mailer import Mailer
from gateway.models import Operator, PendingSignup, Workspace

MAX_WORKSPACE_NAME_LENGTH = 200
# The same words whether the address exists or not, so neither reveals who has an account.
SIGNUP_ACCEPTED = "If this address can be used, we sent a link to confirm it."
BAD_SIGNUP_TOKEN = "This confirmation link is invalid, expired or already used; sign up again."
BAD_INVITATION = "This invitation cannot be accepted; ask for a new one."
ADDRESS_TAKEN = "This address already has an account."


class AddressTaken(Conflict):
    """The address already has an account: an address belongs to one operator."""


def check_workspace_name(name: str) -> None:
    if not 1 <= len(name) <= MAX_WORKSPACE_NAME_LENGTH:
        raise Invalid.field(
            "workspace_name", f"must be 1 to {MAX_WORKSPACE_NAME_LENGTH} characters long"
        )


async def request_signup(
    session: AsyncSession,
    mailer: Mailer,
    *,
    workspace_name: str,
    email: str,
    password: str,
    valid_for: timedelta,
    public_url: str,
) -> None:
    """Start a sign-up: mail the address a link to confirm it, or, when it already has an
    account, word of the attempt. Nothing tells the caller which: both ways end the same,
    after the same slow hash, with one mail to the address."""
    check_password_strength(password)
    email = normalise_email(email)
    password_hash = await hashed(password)
    now = datetime.now(UTC)
    await repository.delete_expired_signups(session, now)
    if await repository.operator_by_email(session, email) is not None:
        mailer.send_after_commit(
            session, mails.account_exists(mailer, to=email, public_url=public_url)
        )
        return
    token = new_token(mails.SIGNUP_TOKEN_PREFIX)
    session.add(
        PendingSignup(
            email=email,
            workspace_name=workspace_name,
            password_hash=password_hash,
            token_hash=digest(token),
            expires_at=now + valid_for,
        )
    )
    mailer.send_after_commit(
        session,
        mails.confirmation(
            mailer, to=email, token=token, public_url=public_url, valid_for=valid_for
        ),
    )


async def confirm_signup(session: AsyncSession, token: str) -> tuple[Workspace, Operator]:
    """Create the workspace and its owner from a confirmed sign-up; the token works once.

    One refusal for every reason (unknown, used, expired, or the address signed up by
    another link meanwhile); a refusal writes nothing.
    """
    token_hash = digest(token)
    email = await repository.signup_address(session, token_hash)
    if email is None:
        raise BadRequest(BAD_SIGNUP_TOKEN)
    same_address = await repository.lock_signups_of(session, email)
    pending = next((p for p in same_address if p.token_hash == token_hash), None)
    if pending is None or pending.expires_at <= datetime.now(UTC):
        raise BadRequest(BAD_SIGNUP_TOKEN)
    try:
        created = await found_workspace(
            session,
            workspace_name=pending.workspace_name,
            email=pending.email,
            hashed_password=pending.password_hash,
        )
    except AddressTaken as exc:  # invited meanwhile, or confirmed by another link just now
        raise BadRequest(BAD_SIGNUP_TOKEN) from exc
    # This one is used, and the address's other links can never be confirmed now.
    await repository.delete_signups_of(session, pending.email)
    return created


async def create_owner(
    session: AsyncSession, *, email: str, password: str, workspace_name: str
) -> tuple[Workspace, Operator]:
    """A workspace and its owner at once, with no mail to confirm the address: for whoever
    runs the gateway (`mediaops-admin create-owner`, the bootstrap owner at start). The
    address, the password and the name must pass sign-up's rules; a taken address is
    `AddressTaken`."""
    check_workspace_name(workspace_name)
    email = check_email(email)
    check_password_strength(password)
    if await repository.operator_by_email(session, email) is not None:
        raise AddressTaken(ADDRESS_TAKEN)  # before the slow hash: a restart asks every time
    return await found_workspace(
        session, workspace_name=workspace_name, email=email, hashed_password=await hashed(password)
    )


async def found_workspace(
    session: AsyncSession, *, workspace_name: str, email: str, hashed_password: str
) -> tuple[Workspace, Operator]:
    """Create a workspace with `email` (normalised) as its owner: the one way a workspace
    comes to be, from a confirmed sign-up or from `create_owner`.

    Raises `AddressTaken` when the address has an account, or when a concurrent transaction
    gave it one first (the unique address fires at the flush; the caller's transaction
    then rolls back, the new workspace with it).
    """
    if await repository.operator_by_email(session, email) is not None:
        raise AddressTaken(ADDRESS_TAKEN)
    workspace = Workspace(name=workspace_name)
    session.add(workspace)
    await session.flush()
    operator = Operator(
        workspace_id=workspace.id,
        email=email,
        password_hash=hashed_password,
        role="owner",
        display_name=email.partition("@")[0],
        disabled=False,
    )
    session.add(operator)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise AddressTaken(ADDRESS_TAKEN) from exc
    return workspace, operator


async def accept_invitation(
    session: AsyncSession, *, token: str, password: str, display_name: str | None
) -> tuple[Operator, Workspace | None]:
    """Join the invitation's workspace with a password; one vague 4xx for every refusal.
    The new operator, and their workspace."""
    check_password_strength(password)
    invitation = await repository.lock_invitation(session, digest(token))
    now = datetime.now(UTC)
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise Conflict(BAD_INVITATION)
    if await repository.operator_by_email(session, invitation.email) is not None:
        raise Conflict(BAD_INVITATION)
    operator = Operator(
        workspace_id=invitation.workspace_id,
        email=invitation.email,
        password_hash=await hashed(password),
        role=invitation.role,
        display_name=display_name or invitation.email.partition("@")[0],
        disabled=False,
    )
    session.add(operator)
    invitation.accepted_at = now
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(BAD_INVITATION) from exc
    return operator, await session.get(Workspace, operator.workspace_id)


async def profile(session: AsyncSession, caller: Caller) -> tuple[Operator, Workspace]:
    """The caller's operator and workspace; a token of a removed or disabled operator is 401."""
    found = await repository.operator_with_workspace(session, caller.user_id, caller.workspace_id)
    if found is None or found[0].disabled:
        raise Unauthorized("The operator of this access token no longer exists or is disabled.")
    return found
