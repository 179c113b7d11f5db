"""The callbacks' queries: settings by public token, and the two claims that make a
replayed request refused and a re-sent message applied once."""

from __future__ import annotations

from datetime import datetime

from servicekit.db import insert_if_new
from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import (
    CallbackMessage,
    CallbackNonce,
    CallbackSettings,
    Channel,
    Distribution,
    DistributionStatus,
)


async def settings_of(session: AsyncSession, channel_id: str) -> CallbackSettings | None:
    return await session.get(CallbackSettings, channel_id)


async def by_token(session: AsyncSession, token: str) -> tuple[CallbackSettings, Channel] | None:
    """The settings and channel a public token names, while the channel lives."""
    row = (
        await session.execute(
            select(CallbackSettings, Channel)
            .join(Channel, Channel.id == CallbackSettings.channel_id)
            .where(CallbackSettings.token == token, Channel.deleted_at.is_(None))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def claim_nonce(
    session: AsyncSession,
    *,
    channel_id: str,
    timestamp: int,
    nonce: str,
    signature: str,
    now: datetime,
) -> bool:
    """True the first time this signed request is seen; False for a replay (a concurrent
    copy waits for the first one's transaction, then finds it)."""
    return await insert_if_new(
        session,
        CallbackNonce,
        channel_id=channel_id,
        timestamp=timestamp,
        nonce=nonce,
        signature=signature,
        seen_at=now,
    )


async def forget_nonces(session: AsyncSession, *, before: datetime) -> None:
    await session.execute(delete(CallbackNonce).where(CallbackNonce.seen_at < before))


async def claim_message(session: AsyncSession, message: CallbackMessage) -> bool:
    """True when the message is new; False when WeChat sent it before (its retry)."""
    # The whole row, each column as the message holds it.
    row = {attr.key: getattr(message, attr.key) for attr in inspect(CallbackMessage).column_attrs}
    return await insert_if_new(session, CallbackMessage, **row)


async def submitted_distribution(
    session: AsyncSession, *, channel_id: str, publish_id: str
) -> Distribution | None:
    """The channel's distribution that submitted `publish_id` (or a mass send's `msg_id`:
    each is the distribution's external id while it waits) and waits for its result."""
    return await session.scalar(
        select(Distribution).where(
            Distribution.channel_id == channel_id,
            Distribution.external_id == publish_id,
            Distribution.status.in_(
                (DistributionStatus.CONFIRMING.value, DistributionStatus.SENDING.value)
            ),
        )
    )
