"""Members' SQL: compiling member filters (search and segment rules) into one query's
conditions, pages of members with their identities, tags and interests, and the writes of
tags, identities, merges and erasure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from servicekit.pagination import keyset, split_page
from sqlalchemy import (
    ColumnElement,
    Exists,
    Row,
    Select,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.kit.engagement import raw_for
from user_svc.members.schemas import MemberFilter, MemberSort, MemberView
from user_svc.models import (
    CommunityMembership,
    InboxAnswer,
    InboxItem,
    InboxStatus,
    Interaction,
    Member,
    MemberIdentity,
    MemberInterest,
    MemberTag,
)

TOP_INTERESTS = 10


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _linked(
    model: type[MemberTag] | type[MemberInterest] | type[MemberIdentity] | type[Interaction],
    workspace_id: str,
    condition: ColumnElement[bool],
) -> Exists:
    """The member has a row of `model` (a tag, an interest, an identity, an interaction)
    that meets `condition`: an index keyed by (workspace, value, member) answers it."""
    return exists().where(
        model.workspace_id == workspace_id, model.member_id == Member.id, condition
    )


def member_conditions(
    workspace_id: str, rules: MemberFilter, *, now: datetime
) -> list[ColumnElement[bool]]:
    """The WHERE clause of `rules`; every part can use an index keyed by workspace."""
    m = Member
    conditions: list[ColumnElement[bool]] = [
        m.workspace_id == workspace_id,
        m.merged_into_id.is_(None),
        m.erased_at.is_(None),
    ]
    if rules.text:
        pattern = _like(rules.text)
        conditions.append(
            or_(
                func.lower(m.display_name).like(pattern, escape="\\"),
                exists().where(
                    MemberIdentity.member_id == m.id,
                    or_(
                        func.lower(MemberIdentity.handle).like(pattern, escape="\\"),
                        func.lower(MemberIdentity.external_id).like(pattern, escape="\\"),
                    ),
                ),
            )
        )
    if rules.tags_any:
        conditions.append(_linked(MemberTag, workspace_id, MemberTag.tag.in_(rules.tags_any)))
    for tag in rules.tags_all:
        conditions.append(_linked(MemberTag, workspace_id, MemberTag.tag == tag))
    if rules.tags_none:
        conditions.append(~_linked(MemberTag, workspace_id, MemberTag.tag.in_(rules.tags_none)))
    if rules.interests_any:
        keywords = [k.lower() for k in rules.interests_any]
        conditions.append(
            _linked(MemberInterest, workspace_id, MemberInterest.keyword.in_(keywords))
        )
    if rules.platforms_any:
        platforms = MemberIdentity.platform.in_(rules.platforms_any)
        conditions.append(_linked(MemberIdentity, workspace_id, platforms))
    if rules.min_score is not None:
        conditions.append(m.engagement_raw >= raw_for(rules.min_score, now))
    if rules.max_score is not None:
        conditions.append(m.engagement_raw <= raw_for(rules.max_score, now))
    if rules.active_within_days is not None:
        conditions.append(m.last_seen_at >= now - timedelta(days=rules.active_within_days))
    if rules.inactive_for_days is not None:
        conditions.append(
            or_(
                m.last_seen_at.is_(None),
                m.last_seen_at < now - timedelta(days=rules.inactive_for_days),
            )
        )
    if rules.interacted_with_post:
        post = Interaction.post_id == rules.interacted_with_post
        conditions.append(_linked(Interaction, workspace_id, post))
    if rules.asked_question_within_days is not None:
        conditions.append(
            exists().where(
                Interaction.member_id == m.id,
                Interaction.is_question.is_(True),
                Interaction.occurred_at >= now - timedelta(days=rules.asked_question_within_days),
            )
        )
    return conditions


def filtered_members(workspace_id: str, rules: MemberFilter, *, now: datetime) -> Select[Member]:
    return select(Member).where(*member_conditions(workspace_id, rules, now=now))


_SORT_COLUMNS = {
    "created": Member.created_at,
    "last_seen": Member.last_seen_at,
    "engagement": Member.engagement_raw,
}


async def members_page(
    session: AsyncSession,
    workspace_id: str,
    rules: MemberFilter,
    *,
    sort: MemberSort,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[MemberView], str | None]:
    """A page of the members `rules` match, in the order `sort` (each one descending), with
    their identities, tags and interests."""
    column = _SORT_COLUMNS[sort]
    query = keyset(
        filtered_members(workspace_id, rules, now=now),
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


async def members_after(
    session: AsyncSession,
    workspace_id: str,
    rules: MemberFilter,
    *,
    after: str | None,
    limit: int,
    now: datetime,
) -> Sequence[Member]:
    """Up to `limit` of the members `rules` match, by id, after the id `after`."""
    query = filtered_members(workspace_id, rules, now=now)
    if after is not None:
        query = query.where(Member.id > after)
    return (await session.scalars(query.order_by(Member.id).limit(limit))).all()


async def count_members(
    session: AsyncSession, workspace_id: str, rules: MemberFilter, *, now: datetime
) -> int:
    query = (
        select(func.count())
        .select_from(Member)
        .where(*member_conditions(workspace_id, rules, now=now))
    )
    return int(await session.scalar(query) or 0)


async def load_views(session: AsyncSession, members: Sequence[Member]) -> list[MemberView]:
    """Members with their identities, tags and top interests, in three queries."""
    if not members:
        return []
    ids = [m.id for m in members]
    identities: defaultdict[str, list[MemberIdentity]] = defaultdict(list)
    for identity in await session.scalars(
        select(MemberIdentity)
        .where(MemberIdentity.member_id.in_(ids))
        .order_by(MemberIdentity.created_at, MemberIdentity.id)
    ):
        identities[identity.member_id].append(identity)
    tags: defaultdict[str, list[str]] = defaultdict(list)
    for member_id, tag in await session.execute(
        select(MemberTag.member_id, MemberTag.tag)
        .where(MemberTag.member_id.in_(ids))
        .order_by(MemberTag.tag)
    ):
        tags[member_id].append(tag)
    interests: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    for member_id, keyword, weight in await session.execute(
        select(MemberInterest.member_id, MemberInterest.keyword, MemberInterest.weight)
        .where(MemberInterest.member_id.in_(ids))
        .order_by(MemberInterest.weight.desc(), MemberInterest.keyword)
    ):
        interests[member_id].append((keyword, weight))
    views = []
    for member in members:
        top = interests[member.id][:TOP_INTERESTS]
        strongest = top[0][1] if top else 1.0
        views.append(
            MemberView(
                member=member,
                identities=identities[member.id],
                tags=tags[member.id],
                interests=[(k, round(w / strongest, 4)) for k, w in top],
            )
        )
    return views


async def tags_of(session: AsyncSession, member_id: str) -> set[str]:
    return set(await session.scalars(select(MemberTag.tag).where(MemberTag.member_id == member_id)))


def add_tags(session: AsyncSession, member: Member, tags: Iterable[str]) -> None:
    session.add_all(
        MemberTag(member_id=member.id, tag=tag, workspace_id=member.workspace_id)
        for tag in sorted(set(tags))
    )


async def delete_tags(session: AsyncSession, member_id: str, *tags: str) -> int:
    """Delete these tags of the member (all of them when none is named); how many went."""
    query = delete(MemberTag).where(MemberTag.member_id == member_id)
    if tags:
        query = query.where(MemberTag.tag.in_(tags))
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_identity(session: AsyncSession, member_id: str, identity_id: str) -> int:
    result = await session.execute(
        delete(MemberIdentity).where(
            MemberIdentity.id == identity_id, MemberIdentity.member_id == member_id
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def interests_of(
    session: AsyncSession, member_ids: Iterable[str]
) -> Sequence[Row[str, str, float]]:
    """The members' keywords and weights (rows of member_id, keyword, weight)."""
    return (
        await session.execute(
            select(MemberInterest.member_id, MemberInterest.keyword, MemberInterest.weight).where(
                MemberInterest.member_id.in_(sorted(member_ids))
            )
        )
    ).all()


async def move_member_rows(session: AsyncSession, from_id: str, to_id: str) -> None:
    """Identities, interactions, inbox items and community stays of `from_id` become
    `to_id`'s."""
    for model in (MemberIdentity, Interaction, InboxItem, CommunityMembership):
        await session.execute(
            update(model).where(model.member_id == from_id).values(member_id=to_id)
        )


async def open_stays(session: AsyncSession, member_id: str) -> Sequence[CommunityMembership]:
    """The member's current stays in groups, earliest joined first."""
    return (
        await session.scalars(
            select(CommunityMembership)
            .where(
                CommunityMembership.member_id == member_id,
                CommunityMembership.left_at.is_(None),
            )
            .order_by(CommunityMembership.joined_at)
        )
    ).all()


async def merged_into(session: AsyncSession, workspace_id: str, member_id: str) -> list[str]:
    """The ids of the records merged into `member_id`, in order."""
    return list(
        await session.scalars(
            select(Member.id)
            .where(Member.workspace_id == workspace_id, Member.merged_into_id == member_id)
            .order_by(Member.id)
        )
    )


async def repoint_merged(
    session: AsyncSession, workspace_id: str, from_id: str, to_id: str
) -> None:
    """Records merged into `from_id` point at `to_id` from now on."""
    await session.execute(
        update(Member)
        .where(Member.workspace_id == workspace_id, Member.merged_into_id == from_id)
        .values(merged_into_id=to_id)
    )


async def erase_personal_rows(session: AsyncSession, member_id: str, now: datetime) -> None:
    """The member's identities, tags and interests go; the texts of their interactions and
    the answers they got are blanked; their open inbox items are closed."""
    for model in (MemberIdentity, MemberTag, MemberInterest):
        await session.execute(delete(model).where(model.member_id == member_id))
    await session.execute(
        update(Interaction).where(Interaction.member_id == member_id).values(text=None)
    )
    await session.execute(
        update(InboxItem).where(InboxItem.member_id == member_id).values(answer_text=None)
    )
    items = select(InboxItem.id).where(InboxItem.member_id == member_id)
    await session.execute(update(InboxAnswer).where(InboxAnswer.item_id.in_(items)).values(text=""))
    await session.execute(
        update(InboxItem)
        .where(InboxItem.member_id == member_id, InboxItem.status == InboxStatus.OPEN.value)
        .values(status=InboxStatus.CLOSED.value, closed_at=now, updated_at=now)
    )


async def erase_records(session: AsyncSession, member_ids: Sequence[str], now: datetime) -> None:
    """The names and attributes of these member records go; they are marked erased."""
    await session.execute(
        update(Member)
        .where(Member.id.in_(member_ids))
        .values(display_name=None, attributes={}, erased_at=now, updated_at=now)
    )


async def delete_interests(session: AsyncSession, member_id: str) -> None:
    await session.execute(delete(MemberInterest).where(MemberInterest.member_id == member_id))


async def members_by_id(session: AsyncSession, member_ids: Iterable[str]) -> dict[str, Member]:
    ids = list(member_ids)
    if not ids:
        return {}
    return {m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}
