"""The `idempotency_keys` table and its transactions, for `servicekit.idempotency`.

A key's life: claimed (`claim_key`, a transaction of its own, before the endpoint runs);
marked applied by the request's own transaction (`mark_applied`, with its changes);
settled (`settle`: its answer kept, or the key freed when nothing was stored) or released
(`release`, the request ended without an answer). A claim never applied is taken over
once `STALE_CLAIM` old; any key is claimed anew once `KEY_TTL` old, and housekeeping
deletes it. A claim is owned by the moment it was taken (`Claim.claimed_at`): a request
whose claim was taken over cannot mark it applied, so its transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, Integer, LargeBinary, String, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import Scope

from servicekit.db import Database, UTCDateTime, insert_if_new, utcnow
from servicekit.problems import Conflict, FieldError

KEY_TTL = timedelta(hours=24)
# How long a claim not yet applied is kept for its request. A request's transaction marks
# its claim first thing, so an open transaction holds the claim's row and a taker waits for
# it; only a request still reading its body, or a process that died, can lose its claim,
# and a taken-over request cannot apply (`mark_applied`). Short, so that a client retrying
# after a crashed service is answered within a minute, not ten (Stripe keeps 90 s).
STALE_CLAIM = timedelta(seconds=30)
MAX_KEY_LENGTH = 200
CLAIM_STATE = "idempotency_claim"


class IdempotencyKeyMixin:
    """A service's `idempotency_keys` table (each service declares the class on its own
    declarative base); its name is the one `migration_steps` creates."""

    __tablename__ = "idempotency_keys"

    if TYPE_CHECKING:  # the declarative base supplies the keyword constructor

        def __init__(self, **kwargs: Any) -> None: ...

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    # Known once the first request's body has passed.
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set by the request's own transaction: its changes were stored.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The answer, once given (None while the first request runs).
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    headers: Mapped[list[list[str]] | None] = mapped_column(JSON, default=None)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # When the key was claimed; indexed for housekeeping, which forgets keys older than
    # KEY_TTL.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class IdempotencyKeyInUse(Conflict):
    slug, title = "idempotency-key-in-use", "Idempotency-Key in use"


FIELD = "header.idempotency-key"


@dataclass(frozen=True)
class Claim:
    """One caller's key, as the request that holds it (scope state) and the SQL see it;
    `claimed_at` is the moment this request took it, which the row keeps while it is its."""

    model: type[IdempotencyKeyMixin]
    workspace_id: str
    principal: str
    key: str
    claimed_at: datetime = field(default_factory=utcnow)

    def match(self) -> tuple[ColumnElement[bool], ...]:
        model = self.model
        return (
            model.workspace_id == self.workspace_id,
            model.principal == self.principal,
            model.key == self.key,
        )


@dataclass(frozen=True)
class Held:
    """What a key already holds when a request comes with it."""

    fingerprint: str | None
    claimed_at: datetime
    applied: bool
    status_code: int | None
    headers: list[list[str]]
    body: bytes


async def mark_applied(session: AsyncSession, scope: Scope) -> None:
    """In the request's own transaction: its changes and the mark commit together. A claim
    another request took over (this one was slower than `STALE_CLAIM` to get here) is not
    this request's to apply: a 409, and its transaction rolls back."""
    claim: Claim | None = scope.get("state", {}).get(CLAIM_STATE)
    if claim is None:
        return
    model = claim.model
    marked = await session.execute(
        update(model)
        .where(*claim.match(), model.created_at == claim.claimed_at, model.applied_at.is_(None))
        .values(applied_at=utcnow())
    )
    if not getattr(marked, "rowcount", 0):
        raise IdempotencyKeyInUse(
            "Another request with this Idempotency-Key took it over while this one waited; "
            "send it again to get that request's answer.",
            errors=[FieldError(field=FIELD, message="taken over by a retry of this request")],
            detail_zh="在本请求等待期间，另一个使用相同 Idempotency-Key 的请求接管了该键；"
            "请重新发送以获取那个请求的响应。",
        )


def _held(row: IdempotencyKeyMixin) -> Held:
    return Held(
        fingerprint=row.fingerprint,
        claimed_at=row.created_at,
        applied=row.applied_at is not None,
        status_code=row.status_code,
        headers=row.headers or [],
        body=row.body or b"",
    )


def _reusable(held: Held, now: datetime) -> bool:
    """Expired, or a claim abandoned before its request's changes were stored."""
    expired = held.claimed_at < now - KEY_TTL
    abandoned = held.status_code is None and not held.applied
    return expired or (abandoned and held.claimed_at < now - STALE_CLAIM)


async def claim_key(db: Database, claim: Claim) -> Held | None:
    """Take `claim` for this request (None), or what the key already holds."""
    model = claim.model
    key = (claim.workspace_id, claim.principal, claim.key)
    now = claim.claimed_at
    # Read first, without the write lock: on SQLite a request that finds the key taken
    # answers at once instead of queueing behind the writer that holds it.
    async with db.transaction(read_only=True) as session:
        row = await session.get(model, key)
        held = _held(row) if row is not None else None
    if held is not None and not _reusable(held, now):
        return held
    async with db.transaction() as session:
        if held is None:
            named = dict(zip(_KEYS, key, strict=True))
            if await insert_if_new(session, model, **named, created_at=now):
                return None
        else:
            taken = await session.execute(
                update(model)
                .where(*claim.match(), model.created_at == held.claimed_at)
                .where(model.applied_at.is_(None) | (model.created_at < now - KEY_TTL))
                .values(_reset(now))
            )
            if getattr(taken, "rowcount", 0):
                return None
        row = await session.get(model, key, populate_existing=True)
        assert row is not None  # keys are deleted by housekeeping only, a day after
        return _held(row)


_KEYS = ("workspace_id", "principal", "key")


def _reset(now: datetime) -> dict[str, Any]:
    return {
        "fingerprint": None,
        "applied_at": None,
        "status_code": None,
        "headers": None,
        "body": None,
        "created_at": now,
    }


async def settle(
    db: Database, claim: Claim, status: int, headers: list[list[str]], body: bytes, digest: str
) -> None:
    """Keep the answer when the changes were stored or it succeeded; else free the key."""
    model = claim.model
    async with db.transaction() as session:
        keep = (
            update(model)
            .where(*claim.match())
            .values(status_code=status, headers=headers, body=body, fingerprint=digest)
        )
        if status >= 400:
            keep = keep.where(model.applied_at.is_not(None))
        kept = await session.execute(keep)
        if not getattr(kept, "rowcount", 0):
            await session.execute(delete(model).where(*claim.match(), model.applied_at.is_(None)))


async def release(db: Database, claim: Claim) -> None:
    """Free the key of a request that ended without an answer, unless it stored changes."""
    async with db.transaction() as session:
        model = claim.model
        await session.execute(delete(model).where(*claim.match(), model.applied_at.is_(None)))
