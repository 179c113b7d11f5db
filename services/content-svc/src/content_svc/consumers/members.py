"""`member.erased`: forget what content-svc kept of a member whose data was erased (PIPL)."""

from __future__ import annotations

from event_contracts import CloudEvent, MemberErasedV1
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.consumers.payloads import payload_of
from content_svc.ideas.needs import forget_member


async def on_member_erased(session: AsyncSession, event: CloudEvent) -> None:
    await forget_member(session, payload_of(event, MemberErasedV1))
