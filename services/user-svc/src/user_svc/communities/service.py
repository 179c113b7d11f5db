"""The rules of communities: the groups an operator runs, who is in them with what role,
and how they grow and shrink. Each stay in a group is a row (joined, maybe left), so the
history of joins and leaves is kept and a member may leave and come back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from servicekit.db import utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.communities.schemas import (
    ActivityDay,
    CommunityCreate,
    CommunitySummary,
    CommunityUpdate,
    JoinRequest,
)
from user_svc.kit.pagination import keyset, split_page
from user_svc.models import Community, CommunityMembership, CommunityRole, Member, new_id

FUTURE_TOLERANCE = timedelta(minutes=10)


async def create_community(
    session: AsyncSession, workspace_id: str, data: CommunityCreate
) -> Community:
    now = utcnow()
    community = Community(
        id=new_id(),
        workspace_id=workspace_id,
        name=data.name,
        kind=data.kind,
        external_id=data.external_id,
        description=data.description,
        created_at=now,
        updated_at=now,
    )
    session.add(community)
    await session.flush()
    return community


async def get_community(session: AsyncSession, workspace_id: str, community_id: str) -> Community:
    community = await session.scalar(
        select(Community).where(
            Community.id == community_id,
            Community.workspace_id == workspace_id,
            Community.deleted_at.is_(None),
        )
    )
    if community is None:
        raise NotFound(f"No community {community_id} in this workspace.")
    return community


async def update_community(
    session: AsyncSession, workspace_id: str, community_id: str, data: CommunityUpdate
) -> Community:
    community = await get_community(session, workspace_id, community_id)
    if data.name is not None:
        community.name = data.name
    if "external_id" in data.model_fields_set:
        community.external_id = data.external_id
    if "description" in data.model_fields_set:
        community.description = data.description
    community.updated_at = utcnow()
    await session.flush()
    return community


async def delete_community(session: AsyncSession, workspace_id: str, community_id: str) -> None:
    community = await get_community(session, workspace_id, community_id)
    community.deleted_at = community.updated_at = utcnow()
    await session.flush()


async def list_communities(
    session: AsyncSession, workspace_id: str, *, cursor: str | None, limit: int
) -> tuple[list[Community], str | None]:
    query = keyset(
        select(Community).where(
            Community.workspace_id == workspace_id, Community.deleted_at.is_(None)
        ),
        sort="created",
        column=Community.created_at,
        row_id=Community.id,
        cursor=cursor,
        limit=limit,
    )
    rows = (await session.scalars(query)).all()
    return split_page(rows, limit, sort="created", key=lambda c: (c.created_at, c.id))


async def summary(session: AsyncSession, community: Community, now: datetime) -> CommunitySummary:
    stays = CommunityMembership
    current = and_(stays.community_id == community.id, stays.left_at.is_(None))
    by_role = dict(
        (
            await session.execute(
                select(stays.role, func.count()).where(current).group_by(stays.role)
            )
        ).all()
    )
    month_ago = now - timedelta(days=30)
    joined = await session.scalar(
        select(func.count()).where(stays.community_id == community.id, stays.joined_at >= month_ago)
    )
    left = await session.scalar(
        select(func.count()).where(stays.community_id == community.id, stays.left_at >= month_ago)
    )
    active = await session.scalar(
        select(func.count())
        .select_from(stays)
        .join(Member, Member.id == stays.member_id)
        .where(current, Member.last_seen_at >= now - timedelta(days=7))
    )
    return CommunitySummary(
        size=sum(int(n) for n in by_role.values()),
        owners=int(by_role.get(CommunityRole.OWNER.value, 0)),
        admins=int(by_role.get(CommunityRole.ADMIN.value, 0)),
        joined_last_30_days=int(joined or 0),
        left_last_30_days=int(left or 0),
        active_last_7_days=int(active or 0),
    )


async def _current_stay(
    session: AsyncSession, community_id: str, member_id: str
) -> CommunityMembership | None:
    return await session.scalar(
        select(CommunityMembership).where(
            CommunityMembership.community_id == community_id,
            CommunityMembership.member_id == member_id,
            CommunityMembership.left_at.is_(None),
        )
    )


async def _check_single_owner(session: AsyncSession, community_id: str, member_id: str) -> None:
    owner = await session.scalar(
        select(CommunityMembership.member_id).where(
            CommunityMembership.community_id == community_id,
            CommunityMembership.left_at.is_(None),
            CommunityMembership.role == CommunityRole.OWNER.value,
            CommunityMembership.member_id != member_id,
        )
    )
    if owner is not None:
        raise Conflict(
            f"Member {owner} already owns this group; make them an admin or member first."
        )


async def _joinable_member(session: AsyncSession, workspace_id: str, member_id: str) -> Member:
    member = await session.scalar(
        select(Member).where(Member.id == member_id, Member.workspace_id == workspace_id)
    )
    if member is None:
        raise Invalid.field("member_id", f"no member {member_id} in this workspace")
    if member.merged_into_id is not None:  # the same person: their survivor joins
        return await _joinable_member(session, workspace_id, member.merged_into_id)
    if member.erased_at is not None:
        raise Conflict(f"Member {member_id} was erased.")
    return member


async def join(
    session: AsyncSession, workspace_id: str, community_id: str, data: JoinRequest
) -> tuple[CommunityMembership, Member]:
    community = await get_community(session, workspace_id, community_id)
    member = await _joinable_member(session, workspace_id, data.member_id)
    now = utcnow()
    joined_at = data.joined_at or now
    if joined_at > now + FUTURE_TOLERANCE:
        raise Invalid.field("joined_at", "is in the future")
    if await _current_stay(session, community.id, member.id) is not None:
        raise Conflict(f"Member {member.id} is already in this group.")
    if data.role == CommunityRole.OWNER.value:
        await _check_single_owner(session, community.id, member.id)
    stay = CommunityMembership(
        id=new_id(),
        workspace_id=workspace_id,
        community_id=community.id,
        member_id=member.id,
        role=data.role,
        joined_at=joined_at,
    )
    session.add(stay)
    await session.flush()
    return stay, member


async def change_role(
    session: AsyncSession, workspace_id: str, community_id: str, member_id: str, role: str
) -> tuple[CommunityMembership, Member]:
    community = await get_community(session, workspace_id, community_id)
    stay = await _current_stay(session, community.id, member_id)
    if stay is None:
        raise NotFound(f"Member {member_id} is not in this group.")
    if role == CommunityRole.OWNER.value:
        await _check_single_owner(session, community.id, member_id)
    stay.role = role
    await session.flush()
    member = await session.get(Member, member_id)
    assert member is not None
    return stay, member


async def leave(
    session: AsyncSession,
    workspace_id: str,
    community_id: str,
    member_id: str,
    left_at: datetime | None,
) -> None:
    community = await get_community(session, workspace_id, community_id)
    stay = await _current_stay(session, community.id, member_id)
    if stay is None:
        raise NotFound(f"Member {member_id} is not in this group.")
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
    workspace_id: str,
    community_id: str,
    *,
    role: str | None,
    include_former: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[CommunityMembership, Member]], str | None]:
    community = await get_community(session, workspace_id, community_id)
    query = (
        select(CommunityMembership, Member)
        .join(Member, Member.id == CommunityMembership.member_id)
        .where(CommunityMembership.community_id == community.id)
    )
    if not include_former:
        query = query.where(CommunityMembership.left_at.is_(None))
    if role is not None:
        query = query.where(CommunityMembership.role == role)
    query = keyset(
        query,
        sort="joined",
        column=CommunityMembership.joined_at,
        row_id=CommunityMembership.id,
        cursor=cursor,
        limit=limit,
    )
    rows = [(r[0], r[1]) for r in (await session.execute(query)).all()]
    return split_page(rows, limit, sort="joined", key=lambda r: (r[0].joined_at, r[0].id))


async def activity(
    session: AsyncSession, workspace_id: str, community_id: str, *, days: int, now: datetime
) -> list[ActivityDay]:
    """Joins, leaves and size per UTC day over the last `days` days."""
    community = await get_community(session, workspace_id, community_id)
    first_day = (now - timedelta(days=days - 1)).date()
    start = datetime.combine(first_day, time(), tzinfo=UTC)
    stays = CommunityMembership
    size_before = await session.scalar(
        select(func.count()).where(
            stays.community_id == community.id,
            stays.joined_at < start,
            or_(stays.left_at.is_(None), stays.left_at >= start),
        )
    )
    rows = (
        await session.execute(
            select(stays.joined_at, stays.left_at).where(
                stays.community_id == community.id,
                or_(stays.joined_at >= start, stays.left_at >= start),
            )
        )
    ).all()
    joins: dict[date, int] = {}
    leaves: dict[date, int] = {}
    for joined_at, left_at in rows:
        if joined_at >= start:
            joins[joined_at.date()] = joins.get(joined_at.date(), 0) + 1
        if left_at is not None and left_at >= start:
            leaves[left_at.date()] = leaves.get(left_at.date(), 0) + 1
    size = int(size_before or 0)
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        size += joins.get(day, 0) - leaves.get(day, 0)
        series.append(
            ActivityDay(day=day, joins=joins.get(day, 0), leaves=leaves.get(day, 0), size=size)
        )
    return series
