"""The answers ledger's SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import AnswerSend


async def get(session: AsyncSession, answer_id: str, attempt: int) -> AnswerSend | None:
    return await session.get(AnswerSend, (answer_id, attempt))


async def sent(session: AsyncSession, answer_id: str) -> AnswerSend | None:
    """The attempt of `answer_id` that reached the platform (or may have), if any."""
    query = select(AnswerSend).where(
        AnswerSend.answer_id == answer_id, AnswerSend.outcome.in_(("sent", "sending"))
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()
