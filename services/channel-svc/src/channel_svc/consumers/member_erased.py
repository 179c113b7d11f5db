"""`member.erased`: the member's interactions leave the webhook delivery logs (sent or
not), as every subscriber deletes what it holds of an erased member."""

from __future__ import annotations

from event_contracts import MemberErasedV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.webhook_subscriptions import service


@handles(MemberErasedV1)
async def forget_member(session: AsyncSession, erased: MemberErasedV1) -> None:
    await service.forget_member(session, [erased.member_id, *erased.merged_member_ids])
