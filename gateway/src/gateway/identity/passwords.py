"""Passwords: the strength rule every way in applies, their slow hash, and the forgotten
password (a mailed link that works once).

Never commits and never knows HTTP; the request owns the transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

from pwdlib import PasswordHash
from servicekit.problems import BadRequest, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity import mails, repository
from gateway.identity.addresses import normalise_email
from gateway.kit.tokens import digest, new_token
from gateway.mail.mailer import Mailer
from gateway.models import Operator, PasswordReset

MIN_PASSWORD_LENGTH = 10
RESET_REQUESTED = "If this address has an account, we sent a link to choose a new password."
BAD_RESET_TOKEN = "This password link is invalid, expired or already used; ask for a new one."

password_hash = PasswordHash.recommended()


@cache
def dummy_hash() -> str:
    # Verified against when the address is unknown, so that a miss costs as long as a hit.
    return password_hash.hash(uuid.uuid4().hex)


async def hashed(password: str) -> str:
    """The slow hash, off the event loop."""
    return await asyncio.to_thread(password_hash.hash, password)


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
    await repository.delete_expired_resets(session, now)
    operator = await repository.operator_by_email(session, email)
    if operator is None or operator.disabled:
        return
    token = new_token(mails.RESET_TOKEN_PREFIX)
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
    reset = await repository.reset_by_token(session, digest(token))
    now = datetime.now(UTC)
    if reset is None or reset.expires_at <= now:
        raise BadRequest(BAD_RESET_TOKEN)
    # Used up first: of two requests with the same token, the later deletes nothing.
    if not await repository.use_reset(session, reset.id):
        raise BadRequest(BAD_RESET_TOKEN)
    operator = await session.get(Operator, reset.operator_id)
    if operator is None or operator.disabled:
        raise BadRequest(BAD_RESET_TOKEN)
    operator.password_hash = await hashed(password)
    # The other links of the account are void now, like every session.
    await repository.delete_resets_of(session, operator.id)
    await repository.revoke_operator_sessions(session, operator.id)
    mailer.send_after_commit(
        session, mails.password_changed(mailer, to=operator.email, public_url=public_url)
    )
    return operator
