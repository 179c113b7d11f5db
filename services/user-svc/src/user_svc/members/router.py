"""The members endpoints: HTTP in, a call of `members.service`, HTTP out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from servicekit.db import utcnow
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from user_svc.access import Owner, Reader, Writer
from user_svc.kit.paging import Paging
from user_svc.members import erasure, merge, service
from user_svc.members.schemas import (
    IdentityCreate,
    MemberCreate,
    MemberFilter,
    MemberRead,
    MemberSort,
    MemberUpdate,
    MergeRequest,
    Platform,
    TagsCreate,
    member_page,
    member_read,
)
from user_svc.models import Member

router = APIRouter(prefix="/members", tags=["members"])

MERGED: dict[int | str, dict[str, Any]] = {
    308: {
        "description": "The member was merged: `Location` and `merged_into` name the survivor",
        "content": {"application/problem+json": {}},
    }
}


def member_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """What an endpoint of one member (through `LiveMember`) may answer besides its own
    `statuses`: 401, 403, 404, and the 308 of a merged member's id."""
    return {**problem_responses(401, 403, 404, *statuses), **MERGED}


async def live_member(
    member_id: str, request: Request, caller: Reader, session: DbSession
) -> Member:
    """The member of the path, in the caller's workspace; a merged member's id answers 308
    to the same path of the survivor. Endpoints that change a member state their stricter
    access before this parameter, so that it is checked first."""
    return await service.live_member(
        session, caller.workspace_id, member_id, location=request.url.path
    )


# Endpoints of a member's parts (tags, identities) name `member_id` too, before the part's
# own id, so that the document lists the path's parameters in the path's order.
LiveMember = Annotated[Member, Depends(live_member)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add a member (identities must be new to the workspace)",
)
async def create_member(body: MemberCreate, caller: Writer, session: DbSession) -> MemberRead:
    view = await service.create_member(session, caller.workspace_id, body)
    return member_read(view, utcnow())


@router.get(
    "",
    responses=problem_responses(401, 403, 422),
    summary="Search members by text, tag, platform, interest and activity",
)
async def list_members(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(max_length=200, description="In the display name, handles and platform ids"),
    ] = None,
    tag: Annotated[list[str] | None, Query(description="Has any of these tags")] = None,
    platform: Annotated[list[Platform] | None, Query(description="Has an identity there")] = None,
    interest: Annotated[list[str] | None, Query(description="Has any of these interests")] = None,
    active_within_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    inactive_for_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    min_score: Annotated[float | None, Query(ge=0)] = None,
    max_score: Annotated[float | None, Query(ge=0)] = None,
    sort: Annotated[
        MemberSort, Query(description="Newest first, most recently seen, most engaged")
    ] = "created",
) -> Page[MemberRead]:
    rules = MemberFilter(
        text=q or None,
        tags_any=[t.strip().lower() for t in tag or []],
        platforms_any=platform or [],
        interests_any=interest or [],
        active_within_days=active_within_days,
        inactive_for_days=inactive_for_days,
        min_score=min_score,
        max_score=max_score,
    )
    now = utcnow()
    page = await service.list_members(
        session,
        caller.workspace_id,
        rules,
        sort=sort,
        cursor=paging.cursor,
        limit=paging.limit,
        now=now,
    )
    return member_page(page, now)


@router.get(
    "/{member_id}",
    responses=member_responses(),
    summary="A member (a merged member's id answers 308 to the survivor)",
)
async def get_member(member: LiveMember, session: DbSession) -> MemberRead:
    return member_read(await service.view(session, member), utcnow())


@router.patch(
    "/{member_id}",
    responses=member_responses(409, 422),
    summary="Change the display name, replace the tags, merge attributes (null removes one)",
)
async def update_member(
    _: Writer, member: LiveMember, body: MemberUpdate, session: DbSession
) -> MemberRead:
    return member_read(await service.update_member(session, member, body), utcnow())


@router.post(
    "/{member_id}/tags",
    responses=member_responses(409, 422),
    summary="Add tags (tags it already has are kept)",
)
async def add_tags(
    _: Writer, member: LiveMember, body: TagsCreate, session: DbSession
) -> MemberRead:
    return member_read(await service.add_tags(session, member, body.tags), utcnow())


@router.delete(
    "/{member_id}/tags/{tag}",
    responses=member_responses(409),
    summary="Remove a tag",
)
async def remove_tag(
    _: Writer, member_id: str, tag: str, member: LiveMember, session: DbSession
) -> MemberRead:
    return member_read(await service.remove_tag(session, member, tag), utcnow())


@router.post(
    "/{member_id}/identities",
    responses=member_responses(409, 422),
    summary="Add an identity on a platform (409 if another member has it: merge them)",
)
async def add_identity(
    _: Writer, member: LiveMember, body: IdentityCreate, session: DbSession
) -> MemberRead:
    return member_read(await service.add_identity(session, member, body), utcnow())


@router.delete(
    "/{member_id}/identities/{identity_id}",
    responses=member_responses(409),
    summary="Remove an identity",
)
async def remove_identity(
    _: Writer, member_id: str, identity_id: str, member: LiveMember, session: DbSession
) -> MemberRead:
    return member_read(await service.remove_identity(session, member, identity_id), utcnow())


@router.post(
    "/{member_id}/merge",
    responses=member_responses(409, 422),
    summary="Merge another member into this one (the same person on several platforms)",
)
async def merge_member(
    _: Writer, member: LiveMember, body: MergeRequest, session: DbSession
) -> MemberRead:
    return member_read(await merge.merge(session, member, body.other_member_id), utcnow())


@router.post(
    "/{member_id}/erase",
    responses=member_responses(409),
    summary="Erase a member's personal data on request (PIPL), here and in the services "
    "that copied it; owners only",
)
async def erase_member(_: Owner, member: LiveMember, session: DbSession) -> MemberRead:
    return member_read(await erasure.erase(session, member), utcnow())
