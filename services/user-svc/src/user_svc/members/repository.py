"""Members' SQL: loading a page of members with their identities, tags and interests, and
compiling member filters (search and segment rules) into one query's conditions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.kit.engagement import raw_for
from user_svc.models import Interaction, Member, MemberIdentity, MemberInterest, MemberTag

TOP_INTERESTS = 10


@dataclass
class MemberView:
    member: Member
    identities: list[MemberIdentity] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    interests: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class MemberFilter:
    """Conditions over a workspace's live members (neither merged away nor erased)."""

    text: str | None = None
    tags_any: Sequence[str] = ()
    tags_all: Sequence[str] = ()
    tags_none: Sequence[str] = ()
    interests_any: Sequence[str] = ()
    platforms_any: Sequence[str] = ()
    min_score: float | None = None
    max_score: float | None = None
    active_within_days: int | None = None
    inactive_for_days: int | None = None
    interacted_with_post: str | None = None
    asked_question_within_days: int | None = None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
        conditions.append(
            exists().where(
                MemberTag.workspace_id == workspace_id,
                MemberTag.member_id == m.id,
                MemberTag.tag.in_(list(rules.tags_any)),
            )
        )
    for tag in rules.tags_all:
        conditions.append(
            exists().where(
                MemberTag.workspace_id == workspace_id,
                MemberTag.member_id == m.id,
                MemberTag.tag == tag,
            )
        )
    if rules.tags_none:
        conditions.append(
            ~exists().where(
                MemberTag.workspace_id == workspace_id,
                MemberTag.member_id == m.id,
                MemberTag.tag.in_(list(rules.tags_none)),
            )
        )
    if rules.interests_any:
        conditions.append(
            exists().where(
                MemberInterest.workspace_id == workspace_id,
                MemberInterest.member_id == m.id,
                MemberInterest.keyword.in_([k.lower() for k in rules.interests_any]),
            )
        )
    if rules.platforms_any:
        conditions.append(
            exists().where(
                MemberIdentity.workspace_id == workspace_id,
                MemberIdentity.member_id == m.id,
                MemberIdentity.platform.in_(list(rules.platforms_any)),
            )
        )
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
        conditions.append(
            exists().where(
                Interaction.workspace_id == workspace_id,
                Interaction.post_id == rules.interacted_with_post,
                Interaction.member_id == m.id,
            )
        )
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


async def find_identities(
    session: AsyncSession, workspace_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], MemberIdentity]:
    """Identities by (platform, external_id), one query per platform."""
    by_platform: defaultdict[str, set[str]] = defaultdict(set)
    for platform, external_id in keys:
        by_platform[platform].add(external_id)
    found: dict[tuple[str, str], MemberIdentity] = {}
    for platform, external_ids in by_platform.items():
        rows = await session.scalars(
            select(MemberIdentity).where(
                MemberIdentity.workspace_id == workspace_id,
                MemberIdentity.platform == platform,
                MemberIdentity.external_id.in_(sorted(external_ids)),
            )
        )
        for identity in rows:
            found[(identity.platform, identity.external_id)] = identity
    return found
