"""Ingesting interactions: idempotent by the platform's id, members created on first sight,
members' activity, engagement and interests kept current, questions and direct messages
sent to the inbox, the sentiment of the text (textkit), and one `interaction.received`
event per stored interaction.

A batch is handled in a constant number of queries (per platform), whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from event_contracts import InteractionReceivedV1
from servicekit.db import new_id, utcnow
from servicekit.problems import Conflict, Invalid
from servicekit.shapes import columns_of, shaped
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import is_question, sentiment

from user_svc.events import emit
from user_svc.inbox.service import open_inbox_items
from user_svc.interactions import repository
from user_svc.interactions.schemas import InteractionCreate
from user_svc.kit.rows import by_platform_id, scoped_one
from user_svc.members.interests import add_interests, text_interests
from user_svc.members.repository import members_by_id
from user_svc.members.service import new_identity, new_member, record_activity
from user_svc.models import Interaction, Member, MemberIdentity

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


@dataclass
class _Authors:
    """The members behind a batch's authors: those known, and those it creates."""

    workspace_id: str
    identities: dict[tuple[str, str], MemberIdentity]
    members: dict[str, Member]
    new_members: list[Member] = field(default_factory=list)
    new_identities: list[MemberIdentity] = field(default_factory=list)

    def member_of(self, item: InteractionCreate, now: datetime) -> Member:
        """The author's member, created on first sight; a changed handle is kept."""
        key = (item.platform, item.author.external_id)
        identity = self.identities.get(key)
        if identity is None:
            member = new_member(
                self.workspace_id,
                display_name=item.author.display_name or item.author.handle,
                attributes={},
                now=now,
            )
            self.new_members.append(member)
            self.members[member.id] = member
            identity = new_identity(
                member, item.platform, item.author.external_id, item.author.handle, now
            )
            self.new_identities.append(identity)
            self.identities[key] = identity
        elif item.author.handle and identity.handle != item.author.handle:
            identity.handle = item.author.handle
        return self.members[identity.member_id]


def _check_times(items: Sequence[InteractionCreate], now: datetime, *, prefix: str) -> None:
    for index, item in enumerate(items):
        if item.occurred_at is not None and item.occurred_at > now + FUTURE_TOLERANCE:
            raise Invalid.field(f"{prefix}{index}.occurred_at", "is in the future")


def _interaction(
    workspace_id: str, member: Member, item: InteractionCreate, now: datetime
) -> Interaction:
    return Interaction(
        **columns_of(item, Interaction, skip={"occurred_at"}),
        id=new_id(),
        workspace_id=workspace_id,
        member_id=member.id,
        is_question=item.kind in TEXT_KINDS and is_question(item.text),
        sentiment=sentiment(item.text),
        occurred_at=item.occurred_at or now,
        created_at=now,
    )


def _received(interaction: Interaction) -> InteractionReceivedV1:
    return shaped(InteractionReceivedV1, interaction, interaction_id=interaction.id)


async def ingest(
    session: AsyncSession,
    workspace_id: str,
    items: Sequence[InteractionCreate],
    *,
    prefix: str = "",
) -> IngestResult:
    now = utcnow()
    _check_times(items, now, prefix=prefix)
    known = await by_platform_id(
        session, Interaction, workspace_id, {(item.platform, item.external_id) for item in items}
    )
    fresh = [
        (index, item)
        for index, item in enumerate(items)
        if (item.platform, item.external_id) not in known
    ]
    identities = await by_platform_id(
        session,
        MemberIdentity,
        workspace_id,
        [(item.platform, item.author.external_id) for _, item in fresh],
    )
    members = await members_by_id(session, {i.member_id for i in identities.values()})
    authors = _Authors(workspace_id, identities, members)
    new_interactions: list[Interaction] = []
    outcomes: list[Outcome] = []
    stored: dict[tuple[str, str], Interaction] = {}
    interest_updates: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for index, item in fresh:
        key = (item.platform, item.external_id)
        if key in stored:  # the same interaction twice in one batch
            outcomes.append(Outcome(index, stored[key], stored=False))
            continue
        member = authors.member_of(item, now)
        interaction = _interaction(workspace_id, member, item, now)
        new_interactions.append(interaction)
        stored[key] = interaction
        outcomes.append(Outcome(index, interaction, stored=True))
        record_activity(member, interaction, now)
        if item.kind in TEXT_KINDS:
            weights = interest_updates[member.id]
            for word, weight in text_interests(item.text):
                weights[word] = weights.get(word, 0.0) + weight
        # Keyed by member (the registry's key), about the interaction.
        emit(session, _received(interaction), subject=interaction.id)
    outcomes.extend(
        Outcome(index, known[(item.platform, item.external_id)], stored=False)
        for index, item in enumerate(items)
        if (item.platform, item.external_id) in known
    )
    outcomes.sort(key=lambda outcome: outcome.index)
    try:
        # Parents first: the unit of work orders rows by relationships, and there are none.
        session.add_all(authors.new_members)
        await session.flush()
        session.add_all(authors.new_identities)
        await session.flush()
        await repository.insert_all(session, new_interactions)
        await add_interests(session, workspace_id, interest_updates)
        open_inbox_items(
            session,
            [
                (o.interaction, authors.members[o.interaction.member_id])
                for o in outcomes
                if o.stored
            ],
            now=now,
        )
        await session.flush()
    except IntegrityError as exc:
        # Another request stored the same identity or interaction a moment ago.
        raise Conflict(
            "Another request stored some of these interactions or identities at the same "
            "time; send the batch again (interactions already stored are skipped)."
        ) from exc
    return IngestResult(outcomes=outcomes, members_created=len(authors.new_members))


async def get_interaction(
    session: AsyncSession, workspace_id: str, interaction_id: str
) -> Interaction:
    return await scoped_one(session, Interaction, workspace_id, interaction_id)


# A list has no rule beyond its query: the page comes from the repository as it is.
list_interactions = repository.interactions_page
