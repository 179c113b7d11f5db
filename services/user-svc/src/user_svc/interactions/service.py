"""Ingesting interactions: idempotent by the platform's id, members created on first sight,
members' activity, engagement and interests kept current, questions and direct messages
sent to the inbox, the sentiment of the text (textkit), and one `interaction.received`
event per stored interaction.

A batch is handled in a constant number of statements (lookups one per platform), whatever
its size: no object in the session for its rows, each kind of row written in one
executemany.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from event_contracts import InteractionReceivedV1
from servicekit.db import insert_rows, new_id, update_rows, utcnow
from servicekit.problems import Conflict, Invalid
from servicekit.shapes import shaped
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import is_question, sentiment

from user_svc.events import emit
from user_svc.inbox.service import open_inbox_items
from user_svc.interactions import repository
from user_svc.interactions.repository import NewInteraction
from user_svc.interactions.schemas import InteractionCreate
from user_svc.kit.rows import by_platform_id, columns_by_platform_id, scoped_one
from user_svc.members.activity import activity_of, save_activity
from user_svc.members.interests import add_interests, text_interests
from user_svc.members.service import Activity
from user_svc.models import Interaction, Member, MemberIdentity

# Clocks of collectors drift; anything later than this ahead of ours is a mistake.
FUTURE_TOLERANCE = timedelta(minutes=10)
# How many events are made between two turns of the loop (about a millisecond's work).
EVENTS_AT_A_TIME = 50
TEXT_KINDS = frozenset({"comment", "reply", "direct_message", "mention"})


@dataclass
class Outcome:
    index: int
    interaction: Interaction | NewInteraction
    stored: bool


@dataclass
class IngestResult:
    outcomes: list[Outcome]
    members_created: int


@dataclass
class _Author:
    """A member behind a batch's author, and what the batch changes of it."""

    identity_id: str
    activity: Activity
    handle: str | None
    new: bool
    display_name: str | None = None


@dataclass
class _Authors:
    """The members behind a batch's authors: those known (found in one query per
    platform), and those it creates."""

    workspace_id: str
    known: dict[tuple[str, str], Row[Any]]
    by_key: dict[tuple[str, str], _Author] = field(default_factory=dict)

    def member_of(self, item: InteractionCreate) -> _Author:
        """The author's member, created on first sight; a changed handle is kept."""
        key = (item.platform, item.author.external_id)
        author = self.by_key.get(key)
        if author is None:
            row = self.known.get(key)
            if row is None:
                author = _Author(
                    identity_id=new_id(),
                    activity=Activity(member_id=new_id()),
                    handle=item.author.handle,
                    new=True,
                    display_name=item.author.display_name or item.author.handle,
                )
            else:
                author = _Author(
                    identity_id=row.id,
                    activity=Activity(row.member_id),
                    handle=row.handle,
                    new=False,
                )
            self.by_key[key] = author
        if item.author.handle and author.handle != item.author.handle:
            author.handle = item.author.handle
        return author

    async def load_activity(self, session: AsyncSession) -> None:
        """The known members' activity so far, that the batch adds to."""
        known = [a for a in self.by_key.values() if not a.new]
        stored = await activity_of(session, [a.activity.member_id for a in known])
        for author in known:
            author.activity = stored.get(author.activity.member_id, author.activity)

    async def save(self, session: AsyncSession, now: datetime) -> None:
        """New members and identities inserted, known ones updated: a statement each."""
        new = [a for a in self.by_key.values() if a.new]
        await insert_rows(
            session,
            Member,
            [
                {
                    "id": a.activity.member_id,
                    "workspace_id": self.workspace_id,
                    "display_name": a.display_name,
                    "attributes": {},
                    **a.activity.columns(),
                    "created_at": now,
                    "updated_at": now,
                }
                for a in new
            ],
        )
        await insert_rows(
            session,
            MemberIdentity,
            [
                {
                    "id": a.identity_id,
                    "workspace_id": self.workspace_id,
                    "member_id": a.activity.member_id,
                    "platform": platform,
                    "external_id": external_id,
                    "handle": a.handle,
                    "created_at": now,
                }
                for (platform, external_id), a in self.by_key.items()
                if a.new
            ],
        )
        known = {key: a for key, a in self.by_key.items() if not a.new}
        await save_activity(
            session, {a.activity.member_id: a.activity for a in known.values()}, now=now
        )
        await update_rows(
            session,
            MemberIdentity,
            [
                {"id": a.identity_id, "handle": a.handle}
                for key, a in known.items()
                if a.handle != self.known[key].handle
            ],
        )

    @property
    def created(self) -> int:
        return sum(1 for a in self.by_key.values() if a.new)


def _check_times(items: Sequence[InteractionCreate], now: datetime, *, prefix: str) -> None:
    for index, item in enumerate(items):
        if item.occurred_at is not None and item.occurred_at > now + FUTURE_TOLERANCE:
            raise Invalid.field(f"{prefix}{index}.occurred_at", "is in the future")


def _interaction(
    workspace_id: str, member_id: str, item: InteractionCreate, now: datetime
) -> NewInteraction:
    # The rest as the collector sent it (platform, kind, ids, text, post, channel).
    return shaped(
        NewInteraction,
        item,
        id=new_id(),
        workspace_id=workspace_id,
        member_id=member_id,
        is_question=item.kind in TEXT_KINDS and is_question(item.text),
        sentiment=sentiment(item.text),
        occurred_at=item.occurred_at or now,
        created_at=now,
    )


async def _write(
    session: AsyncSession,
    authors: _Authors,
    new_interactions: Sequence[tuple[NewInteraction, _Author]],
    interest_updates: Mapping[str, Mapping[str, float]],
    *,
    now: datetime,
) -> None:
    """The batch's rows but its events: parents (members, identities) first."""
    await authors.save(session, now)
    await repository.insert_all(session, [i for i, _ in new_interactions])
    await add_interests(session, authors.workspace_id, interest_updates)
    await open_inbox_items(
        session, [(i, author.activity.engagement_raw) for i, author in new_interactions], now=now
    )


async def _event_rows(
    new_interactions: Sequence[tuple[NewInteraction, _Author]],
) -> list[dict[str, Any]]:
    """The outbox rows of an `interaction.received` for each, made a slice at a time,
    handing the loop back between slices so that the rows' writing goes on meanwhile."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(new_interactions), EVENTS_AT_A_TIME):
        await asyncio.sleep(0)
        chunk = new_interactions[start : start + EVENTS_AT_A_TIME]
        rows.extend(emit.rows(_received(interaction) for interaction, _ in chunk))
    return rows


def _received(interaction: NewInteraction) -> tuple[InteractionReceivedV1, str]:
    # Keyed by member (the registry's key), about the interaction.
    return shaped(InteractionReceivedV1, interaction, interaction_id=interaction.id), interaction.id


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
    authors = _Authors(
        workspace_id,
        await columns_by_platform_id(
            session,
            MemberIdentity,
            workspace_id,
            [(item.platform, item.author.external_id) for _, item in fresh],
            MemberIdentity.id,
            MemberIdentity.member_id,
            MemberIdentity.handle,
        ),
    )
    new_interactions: list[tuple[NewInteraction, _Author]] = []
    outcomes: list[Outcome] = []
    stored: dict[tuple[str, str], NewInteraction] = {}
    for index, item in fresh:
        key = (item.platform, item.external_id)
        if key in stored:  # the same interaction twice in one batch
            outcomes.append(Outcome(index, stored[key], stored=False))
            continue
        author = authors.member_of(item)
        interaction = _interaction(workspace_id, author.activity.member_id, item, now)
        new_interactions.append((interaction, author))
        stored[key] = interaction
        outcomes.append(Outcome(index, interaction, stored=True))
    outcomes.extend(
        Outcome(index, known[(item.platform, item.external_id)], stored=False)
        for index, item in enumerate(items)
        if (item.platform, item.external_id) in known
    )
    outcomes.sort(key=lambda outcome: outcome.index)
    await authors.load_activity(session)
    interest_updates: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for interaction, author in new_interactions:
        author.activity.record(
            interaction.kind, interaction.occurred_at, is_question=interaction.is_question
        )
        if interaction.kind in TEXT_KINDS:
            weights = interest_updates[interaction.member_id]
            for word, weight in text_interests(interaction.text):
                weights[word] = weights.get(word, 0.0) + weight
    try:
        # The database takes the rows while this process makes the events: on two cores
        # the two work at once, and each takes about as long.
        writing = asyncio.ensure_future(
            _write(session, authors, new_interactions, interest_updates, now=now)
        )
        try:
            events = await _event_rows(new_interactions)
        finally:
            await writing
        await emit.write(session, events)
    except IntegrityError as exc:
        # Another request stored the same identity or interaction a moment ago.
        raise Conflict(
            "Another request stored some of these interactions or identities at the same "
            "time; send the batch again (interactions already stored are skipped)."
        ) from exc
    return IngestResult(outcomes=outcomes, members_created=authors.created)


async def get_interaction(
    session: AsyncSession, workspace_id: str, interaction_id: str
) -> Interaction:
    return await scoped_one(session, Interaction, workspace_id, interaction_id)


# A list has no rule beyond its query: the page comes from the repository as it is.
list_interactions = repository.interactions_page
