"""`Idempotency-Key`: the first answer to a key is stored and replayed for the same body;
the same key with another body is refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from servicekit.problems import FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import repository
from metrics_svc.models import IdempotencyRecord

PENDING = 0


def fingerprint(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    session: AsyncSession, workspace_id: str, key: str, document: Any
) -> IdempotencyRecord | None:
    """Reserve `key` for this request (whose body is `document`), or return the stored
    answer to replay. The reservation is a row in the request's transaction."""
    request_hash = fingerprint(document)
    record = await repository.claim_key(session, workspace_id, key, request_hash, PENDING)
    if record.request_hash != request_hash:
        raise Invalid(
            "This Idempotency-Key was first used with another request body; use a new key "
            "for a new request.",
            errors=[
                FieldError(field="header.idempotency-key", message="already used with another body")
            ],
        )
    return record if record.status_code != PENDING else None


async def remember(
    session: AsyncSession, workspace_id: str, key: str, status_code: int, response: dict[str, Any]
) -> None:
    record = await session.get(IdempotencyRecord, (workspace_id, key))
    assert record is not None
    record.status_code = status_code
    record.response = response
