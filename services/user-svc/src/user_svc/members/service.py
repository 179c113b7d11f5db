"""The rules of members: identities unique per workspace, tags and merges (erasure is
`members.erasure`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from servicekit.db import utcnow
from servicekit.problems import Conflict, FieldError, Invalid, NotFound, ProblemError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.interests import trim_interests
from user_svc.kit.pagination import keyset, split_page
from user_svc.members.repository import (
    MemberFilter,
    MemberView,
    filtered_members,
    find_identities,
    load_views,
)
from user_svc.members.schemas import IdentityIn, MemberCreate, MemberSort, MemberUpdate
from user_svc.models import (
    CommunityMembership,
    InboxItem,
    Interaction,
    Member,
    MemberIdentity,
    MemberInterest,
    MemberTag,
    new_id,
)


class MemberMerged(ProblemError):
    """The member was merged into another; the answer points at the survivor."""

    status, slug, title = 308, "member-merged", "Member merged"


async def find_member(session: AsyncSession, workspace_id: str, member_id: str) -> Member:
    """A member of the workspace, merged or not; NotFound otherwise."""
    member = await session.scalar(
        select(Member).where(Member.id == member_id, Member.workspace_id == workspace_id)
    )
    if member is None:
        raise NotFound(f"No member {member_id} in this workspace.")
    return member


async def live_member(
    session: AsyncSession, workspace_id: str, member_id: str, *, location: str | None = None
) -> Member:
    """A member that was not merged away; MemberMerged (308) pointing at the survivor if it was.

    `location` is where the same request is answered for the survivor.
    """
    member = await find_member(session, workspace_id, member_id)
    if member.merged_into_id is not None:
        survivor = member.merged_into_id
        headers = {"Location": location.replace(member_id, survivor)} if location else {}
        raise MemberMerged(
            f"Member {member_id} was merged into {survivor}.",
            headers=headers,
            merged_into=survivor,
        )
    return member


def not_erased(member: Member) -> None:
    if member.erased_at is not None:
        raise Conflict(f"Member {member.id} was erased; its record only keeps anonymous counts.")


async def view(session: AsyncSession, member: Member) -> MemberView:
    return (await load_views(session, [member]))[0]


async def _check_identities_free(
    session: AsyncSession, workspace_id: str, identities: Sequence[IdentityIn], *, field: str
) -> None:
    seen: dict[tuple[str, str], int] = {}
    for index, identity in enumerate(identities):
        key = (identity.platform, identity.external_id)
        if key in seen:
            raise Invalid(
                f"{field}.{index}: the same identity is listed twice",
                errors=[FieldError(field=f"{field}.{index}", message="listed twice")],
            )
        seen[key] = index
    taken = await find_identities(session, workspace_id, list(seen))
    errors = [
        FieldError(
            field=f"{field}.{seen[key]}",
            message=f"{key[0]} identity {key[1]} already belongs to member {identity.member_id}",
        )
        for key, identity in taken.items()
    ]
    if errors:
        raise Conflict(
            "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors,
            member_ids=sorted({i.member_id for i in taken.values()}),
        )


async def create_member(session: AsyncSession, workspace_id: str, data: MemberCreate) -> MemberView:
    await _check_identities_free(session, workspace_id, data.identities, field="identities")
    now = utcnow()
    member = Member(
        id=new_id(),
        workspace_id=workspace_id,
        display_name=data.display_name,
        attributes={k: v for k, v in data.attributes.items() if v is not None},
        engagement_raw=0.0,
        interaction_count=0,
        question_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(member)
    await session.flush()
    session.add_all(
        MemberIdentity(
            id=new_id(),
            workspace_id=workspace_id,
            member_id=member.id,
            platform=identity.platform,
            external_id=identity.external_id,
            handle=identity.handle,
            created_at=now,
        )
        for identity in data.identities
    )
    session.add_all(
        MemberTag(member_id=member.id, tag=tag, workspace_id=workspace_id)
        for tag in sorted(set(data.tags))
    )
    await session.flush()
    return await view(session, member)


async def _set_tags(session: AsyncSession, member: Member, tags: Sequence[str]) -> None:
    await session.execute(delete(MemberTag).where(MemberTag.member_id == member.id))
    session.add_all(
        MemberTag(member_id=member.id, tag=tag, workspace_id=member.workspace_id)
        for tag in sorted(set(tags))
    )


async def update_member(session: AsyncSession, member: Member, data: MemberUpdate) -> MemberView:
    not_erased(member)
    fields = data.model_fields_set
    if "display_name" in fields:
        member.display_name = data.display_name
    if data.attributes is not None:
        merged: dict[str, Any] = dict(member.attributes)
        for key, value in data.attributes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(merged) > 50:
            raise Invalid.field("attributes", "a member holds at most 50 attributes")
        member.attributes = merged
    if data.tags is not None:
        await _set_tags(session, member, data.tags)
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


async def add_tags(session: AsyncSession, member: Member, tags: Sequence[str]) -> MemberView:
    not_erased(member)
    current = set(
        await session.scalars(select(MemberTag.tag).where(MemberTag.member_id == member.id))
    )
    new = sorted(set(tags) - current)
    if len(current) + len(new) > 50:
        raise Invalid.field("tags", "a member holds at most 50 tags")
    session.add_all(
        MemberTag(member_id=member.id, tag=tag, workspace_id=member.workspace_id) for tag in new
    )
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


async def remove_tag(session: AsyncSession, member: Member, tag: str) -> MemberView:
    not_erased(member)
    result = await session.execute(
        delete(MemberTag).where(MemberTag.member_id == member.id, MemberTag.tag == tag.lower())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Member {member.id} has no tag {tag!r}.")
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


async def add_identity(session: AsyncSession, member: Member, data: IdentityIn) -> MemberView:
    not_erased(member)
    await _check_identities_free(session, member.workspace_id, [data], field="identity")
    session.add(
        MemberIdentity(
            id=new_id(),
            workspace_id=member.workspace_id,
            member_id=member.id,
            platform=data.platform,
            external_id=data.external_id,
            handle=data.handle,
            created_at=utcnow(),
        )
    )
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


async def remove_identity(session: AsyncSession, member: Member, identity_id: str) -> MemberView:
    not_erased(member)
    result = await session.execute(
        delete(MemberIdentity).where(
            MemberIdentity.id == identity_id, MemberIdentity.member_id == member.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Member {member.id} has no identity {identity_id}.")
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


_SORT_COLUMNS = {
    "created": Member.created_at,
    "last_seen": Member.last_seen_at,
    "engagement": Member.engagement_raw,
}


async def list_members(
    session: AsyncSession,
    workspace_id: str,
    rules: MemberFilter,
    *,
    sort: MemberSort,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> tuple[list[MemberView], str | None]:
    column = _SORT_COLUMNS[sort]
    query = keyset(
        filtered_members(workspace_id, rules, now=now or utcnow()),
        sort=sort,
        column=column,
        row_id=Member.id,
        cursor=cursor,
        limit=limit,
    )
    rows = (await session.scalars(query)).all()

    def key(member: Member) -> tuple[Any, str]:
        return getattr(member, column.key), member.id

    page, next_cursor = split_page(rows, limit, sort=sort, key=key)
    return await load_views(session, page), next_cursor


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
    for model in (MemberIdentity, Interaction, InboxItem, CommunityMembership):
        await session.execute(
            update(model).where(model.member_id == other.id).values(member_id=survivor.id)
        )
    survivor_tags = set(
        await session.scalars(select(MemberTag.tag).where(MemberTag.member_id == survivor.id))
    )
    other_tags = set(
        await session.scalars(select(MemberTag.tag).where(MemberTag.member_id == other.id))
    )
    await session.execute(delete(MemberTag).where(MemberTag.member_id == other.id))
    session.add_all(
        MemberTag(member_id=survivor.id, tag=tag, workspace_id=survivor.workspace_id)
        for tag in sorted(other_tags - survivor_tags)
    )
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
    await session.execute(
        update(Member)
        .where(Member.workspace_id == survivor.workspace_id, Member.merged_into_id == other.id)
        .values(merged_into_id=survivor.id)
    )
    await session.flush()
    return await view(session, survivor)


async def _merge_interests(session: AsyncSession, survivor: Member, other: Member) -> None:
    rows = (
        await session.scalars(
            select(MemberInterest).where(MemberInterest.member_id.in_([survivor.id, other.id]))
        )
    ).all()
    weights: dict[str, float] = {}
    for row in rows:
        weights[row.keyword] = weights.get(row.keyword, 0.0) + row.weight
    await session.execute(
        delete(MemberInterest).where(MemberInterest.member_id.in_([survivor.id, other.id]))
    )
    session.add_all(
        MemberInterest(
            member_id=survivor.id, keyword=k, weight=w, workspace_id=survivor.workspace_id
        )
        for k, w in trim_interests(weights).items()
    )


async def _drop_double_stays(session: AsyncSession, survivor: Member) -> None:
    """Both records were in the same group: keep the earlier stay."""
    stays = (
        await session.scalars(
            select(CommunityMembership)
            .where(
                CommunityMembership.member_id == survivor.id,
                CommunityMembership.left_at.is_(None),
            )
            .order_by(CommunityMembership.joined_at)
        )
    ).all()
    seen: set[str] = set()
    for stay in stays:
        if stay.community_id in seen:
            await session.delete(stay)
        seen.add(stay.community_id)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None
