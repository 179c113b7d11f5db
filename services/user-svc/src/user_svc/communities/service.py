"""The rules of communities: the groups an operator runs, who is in them with what role,
and how they grow and shrink. Each stay in a group is a row (joined, maybe left), so the
history of joins and leaves is kept and a member may leave and come back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from servicekit.db import new_id, utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.communities import repository
from user_svc.communities.schemas import (
    ActivityDay,
    CommunityCreate,
    CommunitySummary,
    CommunityUpdate,
    MembershipCreate,
)
from user_svc.kit.rows import apply_patch, scoped_get, scoped_one
from user_svc.models import Community, CommunityMembership, CommunityRole, Member

FUTURE_TOLERANCE = timedelta(minutes=10)


async def create_community(
    session: AsyncSession, workspace_id: str, data: CommunityCreate
) -> Community:
    now = utcnow()
    community = Community(
        id=new_id(), workspace_id=workspace_id, created_at=now, updated_at=now, **data.model_dump()
    )
    session.add(community)
    await session.flush()
    return community


async def get_community(session: AsyncSession, workspace_id: str, community_id: str) -> Community:
    return await scoped_one(
        session, Community, workspace_id, community_id, Community.deleted_at.is_(None)
    )


async def update_community(
    session: AsyncSession, community: Community, data: CommunityUpdate
) -> Community:
    apply_patch(community, data, clearable={"external_id", "description"})
    community.updated_at = utcnow()
    await session.flush()
    return community


async def delete_community(session: AsyncSession, community: Community) -> None:
    community.deleted_at = community.updated_at = utcnow()
    await session.flush()


# A list has no rule beyond its query: the page comes from the repository as it is.
list_communities = repository.communities_page


async def summary(session: AsyncSession, community: Community, now: datetime) -> CommunitySummary:
    return await repository.summary(session, community.id, now)


async def _check_single_owner(session: AsyncSession, community_id: str, member_id: str) -> None:
    owner = await repository.other_owner(session, community_id, member_id)
    if owner is not None:
        raise Conflict(
            f"Member {owner} already owns this group; make them an admin or member first."
        )


async def _joinable_member(session: AsyncSession, workspace_id: str, member_id: str) -> Member:
    member = await scoped_get(session, Member, workspace_id, member_id)
    if member is None:
        raise Invalid.field("member_id", f"no member {member_id} in this workspace")
    if member.merged_into_id is not None:  # the same person: their survivor joins
        return await _joinable_member(session, workspace_id, member.merged_into_id)
    if member.erased_at is not None:
        raise Conflict(f"Member {member_id} was erased.")
    return member


async def join(
    session: AsyncSession, community: Community, data: MembershipCreate
) -> tuple[CommunityMembership, Member]:
    member = await _joinable_member(session, community.workspace_id, data.member_id)
    now = utcnow()
    joined_at = data.joined_at or now
    if joined_at > now + FUTURE_TOLERANCE:
        raise Invalid.field("joined_at", "is in the future")
    if await repository.current_stay(session, community.id, member.id) is not None:
        raise Conflict(f"Member {member.id} is already in this group.")
    if data.role == CommunityRole.OWNER.value:
        await _check_single_owner(session, community.id, member.id)
    stay = CommunityMembership(
        id=new_id(),
        workspace_id=community.workspace_id,
        community_id=community.id,
        member_id=member.id,
        role=data.role,
        joined_at=joined_at,
    )
    session.add(stay)
    await session.flush()
    return stay, member


async def _current_stay(
    session: AsyncSession, community: Community, member_id: str
) -> CommunityMembership:
    """The member's stay in the group now; NotFound for no stay."""
    stay = await repository.current_stay(session, community.id, member_id)
    if stay is None:
        raise NotFound(f"Member {member_id} is not in this group.")
    return stay


async def change_role(
    session: AsyncSession, community: Community, member_id: str, role: str
) -> tuple[CommunityMembership, Member]:
    stay = await _current_stay(session, community, member_id)
    if role == CommunityRole.OWNER.value:
        await _check_single_owner(session, stay.community_id, member_id)
    stay.role = role
    await session.flush()
    member = await session.get(Member, member_id)
    assert member is not None
    return stay, member


async def leave(
    session: AsyncSession, community: Community, member_id: str, left_at: datetime | None
) -> None:
    stay = await _current_stay(session, community, member_id)
    now = utcnow()
    left_at = left_at or now
    if left_at > now + FUTURE_TOLERANCE:
        raise Invalid.field("left_at", "is in the future")
    if left_at < stay.joined_at:
        raise Invalid.field("left_at", "is before the member joined")
    stay.left_at = left_at
    await session.flush()


async def list_memberships(
    session: AsyncSession,
    community: Community,
    *,
    role: str | None,
    include_former: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[CommunityMembership, Member]], str | None]:
    return await repository.stays_page(
        session,
        community.id,
        role=role,
        include_former=include_former,
        cursor=cursor,
        limit=limit,
    )


async def activity(
    session: AsyncSession, community: Community, *, days: int, now: datetime
) -> list[ActivityDay]:
    """Joins, leaves and size per UTC day over the last `days` days."""
    first_day = (now - timedelta(days=days - 1)).date()
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    size = await repository.size_at(session, community.id, start)
    joins: dict[date, int] = {}
    leaves: dict[date, int] = {}
    for joined_at, left_at in await repository.moves_since(session, community.id, start):
        if joined_at >= start:
            joins[joined_at.date()] = joins.get(joined_at.date(), 0) + 1
        if left_at is not None and left_at >= start:
            leaves[left_at.date()] = leaves.get(left_at.date(), 0) + 1
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        size += joins.get(day, 0) - leaves.get(day, 0)
        series.append(
            ActivityDay(day=day, joins=joins.get(day, 0), leaves=leaves.get(day, 0), size=size)
        )
    return series
