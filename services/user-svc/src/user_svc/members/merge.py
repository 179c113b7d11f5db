"""Merging two records of the same person (met on several platforms) into one.

The survivor takes the other's identities, interactions, inbox items, tags, interests,
community stays and counts; the other record stays, pointing at the survivor, so that its
id answers with a redirect from then on.
"""

from __future__ import annotations

from datetime import datetime

from servicekit.db import utcnow
from servicekit.problems import Conflict, FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.members import repository
from user_svc.members.interests import add_interests
from user_svc.members.schemas import MemberView
from user_svc.members.service import find_member, not_erased, view
from user_svc.models import Member


async def merge(session: AsyncSession, survivor: Member, other_id: str) -> MemberView:
    """Fold `other_id` into `survivor`: identities, interactions, inbox items, tags,
    interests, community stays and counts move; the other record redirects from now on."""
    if other_id == survivor.id:
        raise Invalid.field("other_member_id", "a member cannot be merged with itself")
    other = await find_member(session, survivor.workspace_id, other_id)
    if other.merged_into_id is not None:
        raise Conflict(
            f"Member {other_id} was already merged into {other.merged_into_id}.",
            errors=[FieldError(field="other_member_id", message="already merged")],
        )
    not_erased(survivor)
    not_erased(other)
    now = utcnow()
    await repository.move_member_rows(session, other.id, survivor.id)
    survivor_tags = await repository.tags_of(session, survivor.id)
    other_tags = await repository.tags_of(session, other.id)
    await repository.delete_tags(session, other.id)
    repository.add_tags(session, survivor, other_tags - survivor_tags)
    await _merge_interests(session, survivor, other)
    await _drop_double_stays(session, survivor)
    survivor.display_name = survivor.display_name or other.display_name
    survivor.attributes = {**other.attributes, **survivor.attributes}
    survivor.first_seen_at = _earliest(survivor.first_seen_at, other.first_seen_at)
    survivor.last_seen_at = _latest(survivor.last_seen_at, other.last_seen_at)
    survivor.engagement_raw += other.engagement_raw
    survivor.interaction_count += other.interaction_count
    survivor.question_count += other.question_count
    survivor.updated_at = now
    other.merged_into_id = survivor.id
    other.updated_at = now
    # Records merged into `other` earlier now point straight at the survivor.
    await repository.repoint_merged(session, survivor.workspace_id, other.id, survivor.id)
    await session.flush()
    return await view(session, survivor)


async def _merge_interests(session: AsyncSession, survivor: Member, other: Member) -> None:
    """The other's keyword weights add to the survivor's (the strongest are kept)."""
    weights: dict[str, float] = {}
    for row in await repository.interests_of(session, [other.id]):
        weights[row.keyword] = row.weight
    await repository.delete_interests(session, other.id)
    await add_interests(session, survivor.workspace_id, {survivor.id: weights})


async def _drop_double_stays(session: AsyncSession, survivor: Member) -> None:
    """Both records were in the same group: keep the earlier stay."""
    seen: set[str] = set()
    for stay in await repository.open_stays(session, survivor.id):
        if stay.community_id in seen:
            await session.delete(stay)
        seen.add(stay.community_id)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None
