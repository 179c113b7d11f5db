"""The communities endpoints: groups, who is in them, and how they change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime
from servicekit.db import utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.access import Reader, Writer
from user_svc.communities import service
from user_svc.communities.schemas import (
    ActivityDay,
    CommunityCreate,
    CommunityRead,
    CommunityUpdate,
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
    Role,
)
from user_svc.models import Community, CommunityMembership, Member

router = APIRouter(prefix="/communities", tags=["communities"])


async def _out(session: AsyncSession, community: Community) -> CommunityRead:
    return CommunityRead(
        id=community.id,
        name=community.name,
        kind=community.kind,
        external_id=community.external_id,
        description=community.description,
        summary=await service.summary(session, community, utcnow()),
        created_at=community.created_at,
        updated_at=community.updated_at,
    )


def _stay(stay: CommunityMembership, member: Member) -> MembershipRead:
    return MembershipRead(
        id=stay.id,
        member_id=member.id,
        display_name=member.display_name,
        role=stay.role,
        joined_at=stay.joined_at,
        left_at=stay.left_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Add a group the team runs",
)
async def create_community(
    body: CommunityCreate, caller: Writer, session: DbSession
) -> CommunityRead:
    return await _out(session, await service.create_community(session, caller.workspace_id, body))


@router.get("", responses=problem_responses(401, 403, 422), summary="Groups, newest first")
async def list_communities(
    caller: Reader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Page[CommunityRead]:
    rows, next_cursor = await service.list_communities(
        session, caller.workspace_id, cursor=cursor, limit=limit
    )
    return Page[CommunityRead](
        items=[await _out(session, c) for c in rows], next_cursor=next_cursor
    )


@router.get(
    "/{community_id}",
    responses=problem_responses(401, 403, 404),
    summary="A group with its size and activity summary",
)
async def get_community(community_id: str, caller: Reader, session: DbSession) -> CommunityRead:
    return await _out(
        session, await service.get_community(session, caller.workspace_id, community_id)
    )


@router.patch(
    "/{community_id}", responses=problem_responses(401, 403, 404, 422), summary="Edit a group"
)
async def update_community(
    community_id: str, body: CommunityUpdate, caller: Writer, session: DbSession
) -> CommunityRead:
    community = await service.update_community(session, caller.workspace_id, community_id, body)
    return await _out(session, community)


@router.delete(
    "/{community_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
    summary="Delete a group",
)
async def delete_community(community_id: str, caller: Writer, session: DbSession) -> Response:
    await service.delete_community(session, caller.workspace_id, community_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{community_id}/members",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="A member joins the group (one owner per group)",
)
async def join(
    community_id: str, body: MembershipCreate, caller: Writer, session: DbSession
) -> MembershipRead:
    return _stay(*await service.join(session, caller.workspace_id, community_id, body))


@router.get(
    "/{community_id}/members",
    responses=problem_responses(401, 403, 404, 422),
    summary="Who is in the group (and who was, with include_former), latest joins first",
)
async def list_members(
    community_id: str,
    caller: Reader,
    session: DbSession,
    role: Role | None = None,
    include_former: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Page[MembershipRead]:
    rows, next_cursor = await service.list_memberships(
        session,
        caller.workspace_id,
        community_id,
        role=role,
        include_former=include_former,
        cursor=cursor,
        limit=limit,
    )
    return Page[MembershipRead](items=[_stay(*r) for r in rows], next_cursor=next_cursor)


@router.patch(
    "/{community_id}/members/{member_id}",
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Change a member's role in the group",
)
async def change_role(
    community_id: str, member_id: str, body: MembershipUpdate, caller: Writer, session: DbSession
) -> MembershipRead:
    return _stay(
        *await service.change_role(session, caller.workspace_id, community_id, member_id, body.role)
    )


@router.delete(
    "/{community_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
    summary="A member leaves the group (the stay stays in the history)",
)
async def leave(
    community_id: str,
    member_id: str,
    caller: Writer,
    session: DbSession,
    left_at: Annotated[AwareDatetime | None, Query(description="Default: now")] = None,
) -> Response:
    await service.leave(session, caller.workspace_id, community_id, member_id, left_at)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{community_id}/activity",
    responses=problem_responses(401, 403, 404, 422),
    summary="Joins, leaves and size per day",
)
async def activity(
    community_id: str,
    caller: Reader,
    session: DbSession,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[ActivityDay]:
    return await service.activity(
        session, caller.workspace_id, community_id, days=days, now=utcnow()
    )
