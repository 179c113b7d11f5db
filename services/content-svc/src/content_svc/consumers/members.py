"""`member.erased`: forget what content-svc kept of a member whose data was erased (PIPL)."""

from __future__ import annotations

from event_contracts import MemberErasedV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.ideas.needs import forget_member


@handles(MemberErasedV1)
async def forget_erased_member(session: AsyncSession, erased: MemberErasedV1) -> None:
    await forget_member(session, erased)
