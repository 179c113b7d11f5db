"""Erasing a member's personal data on request (PIPL), here and in the other services.

In one transaction: the member's personal data goes from user-svc's tables; the texts go
from user-svc's own outbox rows of that member (sent ones are kept for days after delivery,
unsent ones still go out, without the text); and `member.erased` is written, so that every
service holding something of the member deletes it within seconds (content-svc: their
questions and their part of user-need ideas).

What is kept: the member's record with anonymous counts, and the kinds, times and platform
ids of their interactions, so that figures stay right and a collector replaying old
comments cannot bring the texts back.
"""

from __future__ import annotations

from event_contracts import InteractionReceivedV1, MemberErasedV1, topic_of
from servicekit.db import utcnow
from servicekit.outbox import scrub_events
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.events import emit
from user_svc.members import repository
from user_svc.members.schemas import MemberView
from user_svc.members.service import not_erased, view
from user_svc.models import Member, OutboxMessage

# Each topic user-svc emits about a member (keyed by member id), with its personal fields.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {topic_of(InteractionReceivedV1).name: ("text",)}


async def erase(session: AsyncSession, member: Member) -> MemberView:
    """Remove the member's names, handles, platform ids, texts, tags, interests, attributes
    and answers, here and (by `member.erased`) in the services that copied any of them."""
    not_erased(member)
    now = utcnow()
    # Records merged into this one: their interactions went out under their own ids.
    merged = await repository.merged_into(session, member.workspace_id, member.id)
    await repository.erase_personal_rows(session, member.id, now)
    member.display_name = None
    member.attributes = {}
    member.erased_at = now
    member.updated_at = now
    if merged:
        # A merge moves identities, interactions and tags to the survivor, but the merged
        # record keeps the name and attributes it had: they are the same person's.
        await repository.erase_records(session, merged, now)
    for topic, fields in PERSONAL_FIELDS.items():
        await scrub_events(
            session, OutboxMessage, topic=topic, keys=[member.id, *merged], fields=fields
        )
    emit(
        session,
        MemberErasedV1(
            member_id=member.id,
            workspace_id=member.workspace_id,
            merged_member_ids=merged,
            erased_at=now,
        ),
    )
    await session.flush()
    return await view(session, member)
