"""Ingesting interactions: idempotent by the platform's id, members created on first sight,
members' activity, engagement and interests kept current, questions and direct messages
sent to the inbox, and one `interaction.received` event per stored interaction.

A batch is handled in a constant number of queries (per platform), whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from event_contracts import InteractionReceivedV1
from servicekit.db import utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import is_question

from user_svc.events import emit
from user_svc.inbox.service import open_inbox_items
from user_svc.interactions.schemas import InteractionIn
from user_svc.interests import text_interests, trim_interests
from user_svc.kit.engagement import contribution
from user_svc.kit.pagination import keyset, split_page
from user_svc.members.repository import find_identities
from user_svc.models import Interaction, Member, MemberIdentity, MemberInterest, new_id

# Clocks of collectors drift; anything later than this ahead of ours is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=10)
TEXT_KINDS = frozenset({"comment", "reply", "direct_message", "mention"})


@dataclass
class Outcome:
    index: int
    interaction: Interaction
    stored: bool


@dataclass
class IngestResult:
    outcomes: list[Outcome]
    members_created: int


async def _existing(
    session: AsyncSession, workspace_id: str, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], Interaction]:
    by_platform: defaultdict[str, list[str]] = defaultdict(list)
    for platform, external_id in keys:
        by_platform[platform].append(external_id)
    found: dict[tuple[str, str], Interaction] = {}
    for platform, external_ids in by_platform.items():
        rows = await session.scalars(
            select(Interaction).where(
                Interaction.workspace_id == workspace_id,
                Interaction.platform == platform,
                Interaction.external_id.in_(sorted(external_ids)),
            )
        )
        for row in rows:
            found[(row.platform, row.external_id)] = row
    return found


def _check_times(items: Sequence[InteractionIn], now: datetime, *, prefix: str) -> None:
    for index, item in enumerate(items):
        if item.occurred_at is not None and item.occurred_at > now + FUTURE_TOLERANCE:
            raise Invalid.field(f"{prefix}{index}.occurred_at", "is in the future")


async def ingest(
    session: AsyncSession, workspace_id: str, items: Sequence[InteractionIn], *, prefix: str = ""
) -> IngestResult:
    now = utcnow()
    _check_times(items, now, prefix=prefix)
    keys = {(item.platform, item.external_id) for item in items}
    known = await _existing(session, workspace_id, keys)
    fresh = [
        (index, item)
        for index, item in enumerate(items)
        if (item.platform, item.external_id) not in known
    ]
    identities = await find_identities(
        session, workspace_id, [(item.platform, item.author.external_id) for _, item in fresh]
    )
    member_ids = {identity.member_id for identity in identities.values()}
    members: dict[str, Member] = {}
    if member_ids:
        members = {
            m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(member_ids)))
        }
    created = 0
    new_members: list[Member] = []
    new_identities: list[MemberIdentity] = []
    # Inserted in bulk with Core: the unit of work would cost more than the SQL.
    new_interactions: list[Interaction] = []
    outcomes: list[Outcome] = []
    stored: dict[tuple[str, str], Interaction] = {}
    interest_updates: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for index, item in fresh:
        key = (item.platform, item.external_id)
        if key in stored:  # the same interaction twice in one batch
            outcomes.append(Outcome(index, stored[key], stored=False))
            continue
        identity_key = (item.platform, item.author.external_id)
        identity = identities.get(identity_key)
        if identity is None:
            member = Member(
                id=new_id(),
                workspace_id=workspace_id,
                display_name=item.author.display_name or item.author.handle,
                attributes={},
                engagement_raw=0.0,
                interaction_count=0,
                question_count=0,
                created_at=now,
                updated_at=now,
            )
            new_members.append(member)
            members[member.id] = member
            identity = MemberIdentity(
                id=new_id(),
                workspace_id=workspace_id,
                member_id=member.id,
                platform=item.platform,
                external_id=item.author.external_id,
                handle=item.author.handle,
                created_at=now,
            )
            new_identities.append(identity)
            identities[identity_key] = identity
            created += 1
        elif item.author.handle and identity.handle != item.author.handle:
            identity.handle = item.author.handle
        member = members[identity.member_id]
        occurred_at = item.occurred_at or now
        question = item.kind in TEXT_KINDS and is_question(item.text)
        interaction = Interaction(
            id=new_id(),
            workspace_id=workspace_id,
            member_id=member.id,
            platform=item.platform,
            kind=item.kind,
            external_id=item.external_id,
            text=item.text,
            post_id=item.post_id,
            is_question=question,
            occurred_at=occurred_at,
            created_at=now,
        )
        new_interactions.append(interaction)
        stored[key] = interaction
        outcomes.append(Outcome(index, interaction, stored=True))
        _note_activity(member, interaction, now)
        if item.kind in TEXT_KINDS:
            weights = interest_updates[member.id]
            for word, weight in text_interests(item.text):
                weights[word] = weights.get(word, 0.0) + weight
        emit(
            session,
            "interaction.received",
            subject=interaction.id,
            workspace_id=workspace_id,
            payload=InteractionReceivedV1(
                interaction_id=interaction.id,
                workspace_id=workspace_id,
                member_id=member.id,
                platform=interaction.platform,
                kind=item.kind,
                text=interaction.text,
                post_id=interaction.post_id,
                external_id=interaction.external_id,
                is_question=question,
                occurred_at=occurred_at,
            ),
        )
    outcomes.extend(
        Outcome(index, known[(item.platform, item.external_id)], stored=False)
        for index, item in enumerate(items)
        if (item.platform, item.external_id) in known
    )
    outcomes.sort(key=lambda outcome: outcome.index)
    try:
        # Parents first: the unit of work orders rows by relationships, and there are none.
        session.add_all(new_members)
        await session.flush()
        session.add_all(new_identities)
        await session.flush()
        if new_interactions:
            # One multi-row INSERT (11 parameters a row, 11,000 for a full batch).
            await session.execute(
                insert(Interaction).values([_columns(i) for i in new_interactions])
            )
        await _add_interests(session, workspace_id, interest_updates)
        open_inbox_items(
            session,
            [(o.interaction, members[o.interaction.member_id]) for o in outcomes if o.stored],
            now=now,
        )
        await session.flush()
    except IntegrityError as exc:
        # Another request stored the same identity or interaction a moment ago.
        raise Conflict(
            "Another request stored some of these interactions or identities at the same "
            "time; send the batch again (interactions already stored are skipped)."
        ) from exc
    return IngestResult(outcomes=outcomes, members_created=created)


_INTERACTION_COLUMNS = [column.key for column in Interaction.__table__.columns]


def _columns(interaction: Interaction) -> dict[str, object]:
    return {key: getattr(interaction, key) for key in _INTERACTION_COLUMNS}


def _note_activity(member: Member, interaction: Interaction, now: datetime) -> None:
    at = interaction.occurred_at
    if member.first_seen_at is None or at < member.first_seen_at:
        member.first_seen_at = at
    if member.last_seen_at is None or at > member.last_seen_at:
        member.last_seen_at = at
    member.engagement_raw = (member.engagement_raw or 0.0) + contribution(interaction.kind, at)
    member.interaction_count = (member.interaction_count or 0) + 1
    if interaction.is_question:
        member.question_count = (member.question_count or 0) + 1
    member.updated_at = now


async def _add_interests(
    session: AsyncSession, workspace_id: str, updates: dict[str, dict[str, float]]
) -> None:
    updates = {member_id: words for member_id, words in updates.items() if words}
    if not updates:
        return
    current: defaultdict[str, dict[str, MemberInterest]] = defaultdict(dict)
    for row in await session.scalars(
        select(MemberInterest).where(MemberInterest.member_id.in_(list(updates)))
    ):
        current[row.member_id][row.keyword] = row
    for member_id, words in updates.items():
        rows = current[member_id]
        weights = {keyword: row.weight for keyword, row in rows.items()}
        for word, weight in words.items():
            weights[word] = weights.get(word, 0.0) + weight
        kept = trim_interests(weights)
        for keyword, row in rows.items():
            if keyword in kept:
                row.weight = kept[keyword]
            else:
                await session.delete(row)
        session.add_all(
            MemberInterest(
                member_id=member_id, keyword=keyword, weight=weight, workspace_id=workspace_id
            )
            for keyword, weight in kept.items()
            if keyword not in rows
        )


async def get_interaction(
    session: AsyncSession, workspace_id: str, interaction_id: str
) -> Interaction:
    interaction = await session.scalar(
        select(Interaction).where(
            Interaction.id == interaction_id, Interaction.workspace_id == workspace_id
        )
    )
    if interaction is None:
        raise NotFound(f"No interaction {interaction_id} in this workspace.")
    return interaction


async def list_interactions(
    session: AsyncSession,
    workspace_id: str,
    *,
    member_id: str | None,
    kind: str | None,
    platform: str | None,
    post_id: str | None,
    question: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Interaction], str | None]:
    query = select(Interaction).where(Interaction.workspace_id == workspace_id)
    if member_id is not None:
        query = query.where(Interaction.member_id == member_id)
    if kind is not None:
        query = query.where(Interaction.kind == kind)
    if platform is not None:
        query = query.where(Interaction.platform == platform)
    if post_id is not None:
        query = query.where(Interaction.post_id == post_id)
    if question is not None:
        query = query.where(Interaction.is_question.is_(question))
    query = keyset(
        query,
        sort="created",
        column=Interaction.created_at,
        row_id=Interaction.id,
        cursor=cursor,
        limit=limit,
    )
    rows = (await session.scalars(query)).all()
    return split_page(rows, limit, sort="created", key=lambda i: (i.created_at, i.id))
