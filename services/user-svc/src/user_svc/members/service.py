"""The rules of members: identities unique per workspace, tags, attributes and activity
(merges are `members.merge`, erasure is `members.erasure`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.db import new_id, utcnow
from servicekit.problems import Conflict, FieldError, Invalid, NotFound, ProblemError
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.kit.engagement import contribution
from user_svc.kit.rows import by_platform_id, scoped_one
from user_svc.members import repository
from user_svc.members.schemas import (
    MAX_ATTRIBUTES,
    MAX_TAGS,
    IdentityCreate,
    MemberCreate,
    MemberUpdate,
    MemberView,
)
from user_svc.models import Member, MemberIdentity


class MemberMerged(ProblemError):
    """The member was merged into another; the answer points at the survivor."""

    status, slug, title = 308, "member-merged", "Member merged"


async def find_member(session: AsyncSession, workspace_id: str, member_id: str) -> Member:
    """A member of the workspace, merged or not; NotFound otherwise."""
    return await scoped_one(session, Member, workspace_id, member_id)


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
    return (await repository.load_views(session, [member]))[0]


def new_member(
    workspace_id: str, *, display_name: str | None, attributes: dict[str, Any], now: datetime
) -> Member:
    """A member with no activity yet (not added to the session)."""
    return Member(
        id=new_id(),
        workspace_id=workspace_id,
        display_name=display_name,
        attributes=attributes,
        engagement_raw=0.0,
        interaction_count=0,
        question_count=0,
        created_at=now,
        updated_at=now,
    )


def new_identity(
    member: Member, platform: str, external_id: str, handle: str | None, now: datetime
) -> MemberIdentity:
    """Who `member` is on `platform` (not added to the session)."""
    return MemberIdentity(
        id=new_id(),
        workspace_id=member.workspace_id,
        member_id=member.id,
        platform=platform,
        external_id=external_id,
        handle=handle,
        created_at=now,
    )


@dataclass
class Activity:
    """A member's activity: first and last seen, engagement, counts; what ingestion keeps
    current (`record`) and writes back for many members at once."""

    member_id: str
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    engagement_raw: float = 0.0
    interaction_count: int = 0
    question_count: int = 0

    def record(self, kind: str, at: datetime, *, is_question: bool) -> None:
        """What an interaction of `kind` at `at` changes."""
        if self.first_seen_at is None or at < self.first_seen_at:
            self.first_seen_at = at
        if self.last_seen_at is None or at > self.last_seen_at:
            self.last_seen_at = at
        self.engagement_raw += contribution(kind, at)
        self.interaction_count += 1
        if is_question:
            self.question_count += 1

    def columns(self) -> dict[str, Any]:
        """The member's columns that hold it."""
        return {
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
            "engagement_raw": self.engagement_raw,
            "interaction_count": self.interaction_count,
            "question_count": self.question_count,
        }


async def _check_identities_free(
    session: AsyncSession,
    workspace_id: str,
    identities: Sequence[IdentityCreate],
    *,
    field: str,
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
    taken = await by_platform_id(session, MemberIdentity, workspace_id, seen)
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
    member = new_member(
        workspace_id,
        display_name=data.display_name,
        attributes={k: v for k, v in data.attributes.items() if v is not None},
        now=now,
    )
    session.add(member)
    await session.flush()
    session.add_all(
        new_identity(member, i.platform, i.external_id, i.handle, now) for i in data.identities
    )
    repository.add_tags(session, member, data.tags)
    await session.flush()
    return await view(session, member)


async def _changed(session: AsyncSession, member: Member) -> MemberView:
    member.updated_at = utcnow()
    await session.flush()
    return await view(session, member)


async def update_member(session: AsyncSession, member: Member, data: MemberUpdate) -> MemberView:
    not_erased(member)
    if "display_name" in data.model_fields_set:
        member.display_name = data.display_name
    if data.attributes is not None:
        merged: dict[str, Any] = dict(member.attributes)
        for key, value in data.attributes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(merged) > MAX_ATTRIBUTES:
            raise Invalid.field("attributes", f"a member holds at most {MAX_ATTRIBUTES} attributes")
        member.attributes = merged
    if data.tags is not None:
        await repository.delete_tags(session, member.id)
        repository.add_tags(session, member, data.tags)
    return await _changed(session, member)


async def add_tags(session: AsyncSession, member: Member, tags: Sequence[str]) -> MemberView:
    not_erased(member)
    current = await repository.tags_of(session, member.id)
    new = set(tags) - current
    if len(current) + len(new) > MAX_TAGS:
        raise Invalid.field("tags", f"a member holds at most {MAX_TAGS} tags")
    repository.add_tags(session, member, new)
    return await _changed(session, member)


async def remove_tag(session: AsyncSession, member: Member, tag: str) -> MemberView:
    not_erased(member)
    if not await repository.delete_tags(session, member.id, tag.lower()):
        raise NotFound(f"Member {member.id} has no tag {tag!r}.")
    return await _changed(session, member)


async def add_identity(session: AsyncSession, member: Member, data: IdentityCreate) -> MemberView:
    not_erased(member)
    await _check_identities_free(session, member.workspace_id, [data], field="identity")
    session.add(new_identity(member, data.platform, data.external_id, data.handle, utcnow()))
    return await _changed(session, member)


async def remove_identity(session: AsyncSession, member: Member, identity_id: str) -> MemberView:
    not_erased(member)
    if not await repository.delete_identity(session, member.id, identity_id):
        raise NotFound(f"Member {member.id} has no identity {identity_id}.")
    return await _changed(session, member)


# A list has no rule beyond its query: the page comes from the repository as it is.
list_members = repository.members_page
