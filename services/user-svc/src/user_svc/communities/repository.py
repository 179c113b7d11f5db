"""Communities' SQL: pages of groups and of stays, a group's counts, and the stays that
its activity series is computed from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from servicekit.pagination import keyset, paginate, split_page
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.communities.schemas import CommunitySummary
from user_svc.models import Community, CommunityMembership, CommunityRole, Member

Stay = CommunityMembership


async def communities_page(
    session: AsyncSession, workspace_id: str, *, cursor: str | None, limit: int
) -> tuple[list[Community], str | None]:
    """A page of the workspace's groups (not deleted), newest first."""
    query = paginate(
        select(Community).where(
            Community.workspace_id == workspace_id, Community.deleted_at.is_(None)
        ),
        created_at=Community.created_at,
        row_id=Community.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page((await session.scalars(query)).all(), limit)


async def summary(session: AsyncSession, community_id: str, now: datetime) -> CommunitySummary:
    current = and_(Stay.community_id == community_id, Stay.left_at.is_(None))
    by_role = dict(
        (
            await session.execute(
                select(Stay.role, func.count()).where(current).group_by(Stay.role)
            )
        ).all()
    )
    month_ago = now - timedelta(days=30)
    joined = await session.scalar(
        select(func.count()).where(Stay.community_id == community_id, Stay.joined_at >= month_ago)
    )
    left = await session.scalar(
        select(func.count()).where(Stay.community_id == community_id, Stay.left_at >= month_ago)
    )
    active = await session.scalar(
        select(func.count())
        .select_from(Stay)
        .join(Member, Member.id == Stay.member_id)
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


async def current_stay(session: AsyncSession, community_id: str, member_id: str) -> Stay | None:
    return await session.scalar(
        select(Stay).where(
            Stay.community_id == community_id,
            Stay.member_id == member_id,
            Stay.left_at.is_(None),
        )
    )


async def other_owner(session: AsyncSession, community_id: str, member_id: str) -> str | None:
    """The member other than `member_id` who owns the group now, if any."""
    return await session.scalar(
        select(Stay.member_id).where(
            Stay.community_id == community_id,
            Stay.left_at.is_(None),
            Stay.role == CommunityRole.OWNER.value,
            Stay.member_id != member_id,
        )
    )


async def stays_page(
    session: AsyncSession,
    community_id: str,
    *,
    role: str | None,
    include_former: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Stay, Member]], str | None]:
    """A page of the group's stays with their members, latest joins first."""
    # Typed loosely: servicekit's keyset is typed for selects of one entity, this is two.
    query: Select[*tuple[Any, ...]] = (
        select(Stay, Member)
        .join(Member, Member.id == Stay.member_id)
        .where(Stay.community_id == community_id)
    )
    if not include_former:
        query = query.where(Stay.left_at.is_(None))
    if role is not None:
        query = query.where(Stay.role == role)
    query = keyset(
        query, sort="joined", column=Stay.joined_at, row_id=Stay.id, cursor=cursor, limit=limit
    )
    rows = [(r[0], r[1]) for r in (await session.execute(query)).all()]
    return split_page(rows, limit, sort="joined", key=lambda r: (r[0].joined_at, r[0].id))


async def size_at(session: AsyncSession, community_id: str, at: datetime) -> int:
    """How many members the group had at `at`."""
    size = await session.scalar(
        select(func.count()).where(
            Stay.community_id == community_id,
            Stay.joined_at < at,
            or_(Stay.left_at.is_(None), Stay.left_at >= at),
        )
    )
    return int(size or 0)


async def moves_since(
    session: AsyncSession, community_id: str, since: datetime
) -> Sequence[tuple[datetime, datetime | None]]:
    """(joined_at, left_at) of the stays that began or ended from `since` on."""
    rows = await session.execute(
        select(Stay.joined_at, Stay.left_at).where(
            Stay.community_id == community_id,
            or_(Stay.joined_at >= since, Stay.left_at >= since),
        )
    )
    return [(joined_at, left_at) for joined_at, left_at in rows.all()]
