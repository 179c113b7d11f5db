"""Sign-in sessions: who may sign in, what their access token says, and the refresh token
families that keep a session going until it is logged out.

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servicekit.problems import Unauthorized
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import repository
from gateway.identity.addresses import normalise_email
from gateway.identity.passwords import dummy_hash, password_hash
from gateway.identity.signing_keys import SigningKey
from gateway.kit.tokens import digest, new_token
from gateway.models import Operator, RefreshToken

BAD_CREDENTIALS = "The email address or password is incorrect."
BAD_REFRESH = "The refresh token is invalid, expired or revoked; sign in again."
REFRESH_PREFIX = "mrt_"


async def authenticate(session: AsyncSession, *, email: str, password: str) -> Operator:
    """The operator these credentials belong to, or one 401 whatever was wrong."""
    operator = await repository.operator_by_email(session, normalise_email(email))
    if operator is None:
        await asyncio.to_thread(password_hash.verify, password, dummy_hash())
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
    token = new_token(REFRESH_PREFIX)
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
    stored = await repository.lock_refresh_token(session, digest(token))
    if stored is None or stored.revoked_at is not None:
        raise Unauthorized(BAD_REFRESH)
    if stored.used_at is not None:
        await repository.revoke_family(session, stored.family_id)
        return Reused(family_id=stored.family_id, operator_id=stored.operator_id)
    if stored.expires_at <= now:
        raise Unauthorized(BAD_REFRESH)
    operator = await session.get(Operator, stored.operator_id)
    if operator is None or operator.disabled:
        raise Unauthorized(BAD_REFRESH)
    stored.used_at = now
    return await _next_refresh(session, operator, family_id=stored.family_id, ttl=ttl)


async def log_out(session: AsyncSession, family_id: str) -> None:
    """End one sign-in session: its access and refresh tokens stop working."""
    await repository.revoke_family(session, family_id)


async def end_every_session(session: AsyncSession, operator_id: str) -> None:
    """End every sign-in session of an operator (disabled, or their password was reset)."""
    await repository.revoke_operator_sessions(session, operator_id)
