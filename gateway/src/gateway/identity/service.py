"""The identity rules: who may sign up, who may sign in, and what their token says.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from servicekit.auth import Caller
from servicekit.problems import Conflict, Invalid, Unauthorized
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.keys import SigningKey
from gateway.models import Operator, Workspace

MIN_PASSWORD_LENGTH = 10
# The same words whether the address exists or not, so neither reveals who has an account.
SIGNUP_REFUSED = "Cannot sign up with this email address."
BAD_CREDENTIALS = "The email address or password is incorrect."

password_hash = PasswordHash.recommended()


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


async def signup(
    session: AsyncSession, *, workspace_name: str, email: str, password: str
) -> tuple[Workspace, Operator]:
    """Create a workspace and its first operator, the owner."""
    check_password_strength(password)
    email = normalise_email(email)
    if await _operator_by_email(session, email) is not None:
        raise Conflict(SIGNUP_REFUSED)
    hashed = await asyncio.to_thread(password_hash.hash, password)
    workspace = Workspace(name=workspace_name)
    session.add(workspace)
    await session.flush()
    operator = Operator(
        workspace_id=workspace.id,
        email=email,
        password_hash=hashed,
        role="owner",
        display_name=email.partition("@")[0],
        disabled=False,
    )
    session.add(operator)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same address signed up a moment ago
        raise Conflict(SIGNUP_REFUSED) from exc
    return workspace, operator


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
    key: SigningKey, operator: Operator, *, ttl: timedelta, audience: str, issuer: str
) -> str:
    now = datetime.now(UTC)
    return key.sign(
        {
            "sub": operator.id,
            "wid": operator.workspace_id,
            "roles": [operator.role],
            "aud": audience,
            "iss": issuer,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
    )


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
