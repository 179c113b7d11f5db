"""The identity rules: who may sign up, who may sign in, and what their token says.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from pydantic import EmailStr, TypeAdapter, ValidationError
from servicekit.auth import Caller
from servicekit.problems import BadRequest, Conflict, Invalid, Unauthorized
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import mails
from gateway.identity.keys import SigningKey
from gateway.mail import Mailer
from gateway.models import (
    Invitation,
    Operator,
    PasswordReset,
    PendingSignup,
    RefreshToken,
    Workspace,
)

MIN_PASSWORD_LENGTH = 10
MAX_WORKSPACE_NAME_LENGTH = 200
# The same words whether the address exists or not, so neither reveals who has an account.
SIGNUP_ACCEPTED = "If this address can be used, we sent a link to confirm it."
BAD_SIGNUP_TOKEN = "This confirmation link is invalid, expired or already used; sign up again."
BAD_CREDENTIALS = "The email address or password is incorrect."
BAD_REFRESH = "The refresh token is invalid, expired or revoked; sign in again."
BAD_INVITATION = "This invitation cannot be accepted; ask for a new one."
RESET_REQUESTED = "If this address has an account, we sent a link to choose a new password."
BAD_RESET_TOKEN = "This password link is invalid, expired or already used; ask for a new one."
ADDRESS_TAKEN = "This address already has an account."
REFRESH_PREFIX = "mrt_"

password_hash = PasswordHash.recommended()
# The very type sign-up's request body declares, so that every way in checks alike.
_email_address: TypeAdapter[str] = TypeAdapter(EmailStr)


class AddressTaken(Conflict):
    """The address already has an account: an address belongs to one operator."""


@cache
def _dummy_hash() -> str:
    # Verified against when the address is unknown, so that a miss costs as long as a hit.
    return password_hash.hash(uuid.uuid4().hex)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid.field("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    classes = {
        "lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit() else "other"
        for c in password
    }
    if len(classes) < 2:
        raise Invalid.field(
            "password",
            "must mix at least two kinds of characters (lower case, upper case, digits, symbols)",
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The address, normalised, when sign-up would take it; a 422 naming `email` if not."""
    try:
        valid = _email_address.validate_python(email)
    except ValidationError as exc:
        raise Invalid.field("email", exc.errors()[0]["msg"]) from None
    return normalise_email(valid)


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
    hashed = await asyncio.to_thread(password_hash.hash, password)
    now = datetime.now(UTC)
    await session.execute(delete(PendingSignup).where(PendingSignup.expires_at <= now))
    if await _operator_by_email(session, email) is not None:
        mailer.send_after_commit(
            session, mails.account_exists(mailer, to=email, public_url=public_url)
        )
        return
    token = mails.SIGNUP_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        PendingSignup(
            email=email,
            workspace_name=workspace_name,
            password_hash=hashed,
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
    email = await session.scalar(
        select(PendingSignup.email).where(PendingSignup.token_hash == token_hash)
    )
    if email is None:
        raise BadRequest(BAD_SIGNUP_TOKEN)
    # Every pending sign-up of the address, locked in one order: two of its links confirmed
    # at once wait for each other instead of deadlocking, and the later finds its row gone.
    same_address = (
        await session.scalars(
            select(PendingSignup)
            .where(PendingSignup.email == email)
            .order_by(PendingSignup.id)
            .with_for_update()
        )
    ).all()
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
    await session.execute(delete(PendingSignup).where(PendingSignup.email == pending.email))
    return created


async def create_owner(
    session: AsyncSession, *, email: str, password: str, workspace_name: str
) -> tuple[Workspace, Operator]:
    """A workspace and its owner at once, with no mail to confirm the address: for whoever
    runs the gateway (`mediaops admin create-owner`, the bootstrap owner at start). The
    address, the password and the name must pass sign-up's rules; a taken address is
    `AddressTaken`."""
    check_workspace_name(workspace_name)
    email = check_email(email)
    check_password_strength(password)
    if await _operator_by_email(session, email) is not None:
        raise AddressTaken(ADDRESS_TAKEN)  # before the slow hash: a restart asks every time
    hashed = await asyncio.to_thread(password_hash.hash, password)
    return await found_workspace(
        session, workspace_name=workspace_name, email=email, hashed_password=hashed
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
    if await _operator_by_email(session, email) is not None:
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


async def request_password_reset(
    session: AsyncSession,
    mailer: Mailer,
    *,
    email: str,
    valid_for: timedelta,
    public_url: str,
) -> None:
    """Mail the account at `email` a link to choose a new password. An unknown or disabled
    address gets no mail, and the caller the same answer: nobody learns who has an account."""
    email = normalise_email(email)
    now = datetime.now(UTC)
    await session.execute(delete(PasswordReset).where(PasswordReset.expires_at <= now))
    operator = await _operator_by_email(session, email)
    if operator is None or operator.disabled:
        return
    token = mails.RESET_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        PasswordReset(operator_id=operator.id, token_hash=digest(token), expires_at=now + valid_for)
    )
    mailer.send_after_commit(
        session,
        mails.password_reset(
            mailer, to=email, token=token, public_url=public_url, valid_for=valid_for
        ),
    )


async def reset_password(
    session: AsyncSession, mailer: Mailer, *, token: str, password: str, public_url: str
) -> Operator:
    """Set a new password with a mailed token, which works once; every session of the
    operator ends, and the address hears of it. One 400 for every bad token."""
    check_password_strength(password)
    reset = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == digest(token))
    )
    now = datetime.now(UTC)
    if reset is None or reset.expires_at <= now:
        raise BadRequest(BAD_RESET_TOKEN)
    # Used up first: of two requests with the same token, the later deletes nothing.
    used = await session.execute(delete(PasswordReset).where(PasswordReset.id == reset.id))
    if not getattr(used, "rowcount", 0):
        raise BadRequest(BAD_RESET_TOKEN)
    operator = await session.get(Operator, reset.operator_id)
    if operator is None or operator.disabled:
        raise BadRequest(BAD_RESET_TOKEN)
    operator.password_hash = await asyncio.to_thread(password_hash.hash, password)
    # The other links of the account are void now, like every session.
    await session.execute(delete(PasswordReset).where(PasswordReset.operator_id == operator.id))
    await revoke_operator_sessions(session, operator.id)
    mailer.send_after_commit(
        session, mails.password_changed(mailer, to=operator.email, public_url=public_url)
    )
    return operator


async def authenticate(session: AsyncSession, *, email: str, password: str) -> Operator:
    """The operator these credentials belong to, or one 401 whatever was wrong."""
    operator = await _operator_by_email(session, normalise_email(email))
    if operator is None:
        await asyncio.to_thread(password_hash.verify, password, _dummy_hash())
        raise Unauthorized(BAD_CREDENTIALS)
    valid, new_hash = await asyncio.to_thread(
        password_hash.verify_and_update, password, operator.password_hash
    )
    if not valid or operator.disabled:
        raise Unauthorized(BAD_CREDENTIALS)
    if new_hash is not None:  # the hashing parameters changed since this password was set
        operator.password_hash = new_hash
    return operator


def issue_access_token(
    key: SigningKey,
    operator: Operator,
    *,
    ttl: timedelta,
    audience: str,
    issuer: str,
    session_id: str | None = None,
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": operator.id,
        "wid": operator.workspace_id,
        "roles": [operator.role],
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if session_id is not None:
        claims["sid"] = session_id  # the refresh family: logging out revokes it
    return key.sign(claims)


def digest(secret: str) -> str:
    """Secrets with 256 bits of entropy need no slow hash: SHA-256 is enough to store."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    operator: Operator
    family_id: str
    refresh_token: str


async def start_session(session: AsyncSession, operator: Operator, *, ttl: timedelta) -> Session:
    """A new refresh family for a fresh sign-in."""
    return await _next_refresh(session, operator, family_id=str(uuid.uuid4()), ttl=ttl)


async def _next_refresh(
    session: AsyncSession, operator: Operator, *, family_id: str, ttl: timedelta
) -> Session:
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            family_id=family_id,
            operator_id=operator.id,
            token_hash=digest(token),
            expires_at=datetime.now(UTC) + ttl,
        )
    )
    await session.flush()
    return Session(operator=operator, family_id=family_id, refresh_token=token)


@dataclass(frozen=True)
class Reused:
    """A refresh token that was already exchanged came back: its family is now revoked."""

    family_id: str
    operator_id: str


async def refresh(session: AsyncSession, token: str, *, ttl: timedelta) -> Session | Reused:
    """Exchange a refresh token for the next one of its family.

    Returns `Reused` (after revoking the family) when the token had been used before: the
    caller must answer 401 *and commit*, so the revocation sticks.
    """
    now = datetime.now(UTC)
    stored = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if stored is None or stored.revoked_at is not None:
        raise Unauthorized(BAD_REFRESH)
    if stored.used_at is not None:
        await revoke_family(session, stored.family_id)
        return Reused(family_id=stored.family_id, operator_id=stored.operator_id)
    if stored.expires_at <= now:
        raise Unauthorized(BAD_REFRESH)
    operator = await session.get(Operator, stored.operator_id)
    if operator is None or operator.disabled:
        raise Unauthorized(BAD_REFRESH)
    stored.used_at = now
    return await _next_refresh(session, operator, family_id=stored.family_id, ttl=ttl)


async def revoke_family(session: AsyncSession, family_id: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_operator_sessions(session: AsyncSession, operator_id: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.operator_id == operator_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def accept_invitation(
    session: AsyncSession, *, token: str, password: str, display_name: str | None
) -> Operator:
    """Join the invitation's workspace with a password; one vague 4xx for every refusal."""
    check_password_strength(password)
    invitation = (
        await session.execute(
            select(Invitation).where(Invitation.token_hash == digest(token)).with_for_update()
        )
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise Conflict(BAD_INVITATION)
    if await _operator_by_email(session, invitation.email) is not None:
        raise Conflict(BAD_INVITATION)
    hashed = await asyncio.to_thread(password_hash.hash, password)
    operator = Operator(
        workspace_id=invitation.workspace_id,
        email=invitation.email,
        password_hash=hashed,
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
    return operator


async def profile(session: AsyncSession, caller: Caller) -> tuple[Operator, Workspace]:
    """The caller's operator and workspace; a token of a removed or disabled operator is 401."""
    row = (
        await session.execute(
            select(Operator, Workspace)
            .join(Workspace, Workspace.id == Operator.workspace_id)
            .where(Operator.id == caller.user_id, Operator.workspace_id == caller.workspace_id)
        )
    ).one_or_none()
    if row is None or row[0].disabled:
        raise Unauthorized("The operator of this access token no longer exists or is disabled.")
    return row[0], row[1]


async def _operator_by_email(session: AsyncSession, email: str) -> Operator | None:
    result = await session.execute(select(Operator).where(Operator.email == email))
    return result.scalar_one_or_none()
