"""The communities endpoints: groups, who is in them, and how they change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime
from servicekit.db import utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.access import CALLER_PROBLEMS, Reader, Writer
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
from user_svc.kit.paging import Paging
from user_svc.models import Community, CommunityMembership, Member

router = APIRouter(prefix="/communities", tags=["communities"], responses=CALLER_PROBLEMS)


async def _out(session: AsyncSession, community: Community) -> CommunityRead:
    summary = await service.summary(session, community, utcnow())
    return shaped(CommunityRead, community, summary=summary)


def _stay(stay: CommunityMembership, member: Member) -> MembershipRead:
    return shaped(MembershipRead, stay, display_name=member.display_name)


async def path_community(community_id: str, caller: Reader, session: DbSession) -> Community:
    """The group of the path, in the caller's workspace (404 otherwise). Endpoints that
    change a group state their stricter access before this parameter, so that it is
    checked first."""
    return await service.get_community(session, caller.workspace_id, community_id)


# Endpoints of a group's stays name `community_id` too, before the member's id, so that the
# document lists the path's parameters in the path's order.
PathCommunity = Annotated[Community, Depends(path_community)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 422),
    summary="Add a group the team runs",
)
async def create_community(
    body: CommunityCreate, caller: Writer, session: DbSession
) -> CommunityRead:
    return await _out(session, await service.create_community(session, caller.workspace_id, body))


@router.get("", responses=problem_responses(403, 422), summary="Groups, newest first")
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
    responses=problem_responses(403, 404),
    summary="A group with its size and activity summary",
)
async def get_community(community: PathCommunity, session: DbSession) -> CommunityRead:
    return await _out(session, community)


@router.patch("/{community_id}", responses=problem_responses(403, 404, 422), summary="Edit a group")
async def update_community(
    _: Writer, community: PathCommunity, body: CommunityUpdate, session: DbSession
) -> CommunityRead:
    return await _out(session, await service.update_community(session, community, body))


@router.delete(
    "/{community_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    summary="Delete a group",
)
async def delete_community(_: Writer, community: PathCommunity, session: DbSession) -> Response:
    await service.delete_community(session, community)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{community_id}/members",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404, 409, 422),
    summary="A member joins the group (one owner per group)",
)
async def join(
    _: Writer, community: PathCommunity, body: MembershipCreate, session: DbSession
) -> MembershipRead:
    return _stay(*await service.join(session, community, body))


@router.get(
    "/{community_id}/members",
    responses=problem_responses(403, 404, 422),
    summary="Who is in the group (and who was, with include_former), latest joins first",
)
async def list_members(
    community: PathCommunity,
    session: DbSession,
    paging: Paging,
    role: Role | None = None,
    include_former: bool = False,
) -> Page[MembershipRead]:
    rows, next_cursor = await service.list_memberships(
        session,
        community,
        role=role,
        include_former=include_former,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return Page[MembershipRead](items=[_stay(*r) for r in rows], next_cursor=next_cursor)


@router.patch(
    "/{community_id}/members/{member_id}",
    responses=problem_responses(403, 404, 409, 422),
    summary="Change a member's role in the group",
)
async def change_role(
    _: Writer,
    community_id: str,
    member_id: str,
    community: PathCommunity,
    body: MembershipUpdate,
    session: DbSession,
) -> MembershipRead:
    return _stay(*await service.change_role(session, community, member_id, body.role))


@router.delete(
    "/{community_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 422),
    summary="A member leaves the group (the stay stays in the history)",
)
async def leave(
    _: Writer,
    community_id: str,
    member_id: str,
    community: PathCommunity,
    session: DbSession,
    left_at: Annotated[AwareDatetime | None, Query(description="Default: now")] = None,
) -> Response:
    await service.leave(session, community, member_id, left_at)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{community_id}/activity",
    responses=problem_responses(403, 404, 422),
    summary="Joins, leaves and size per day, oldest first: the days asked for on one page",
)
async def activity(
    community: PathCommunity,
    session: DbSession,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Page[ActivityDay]:
    return Page(items=await service.activity(session, community, days=days, now=utcnow()))
