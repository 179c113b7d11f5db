"""User needs: what community members keep asking becomes an idea.

Each question (from `interaction.received`) is kept with its keywords. When members ask
about a keyword that already has a `user_need` idea, that idea's asker count grows; when
enough distinct members (a setting) have asked about one keyword in the last 30 days, a
`user_need` idea appears with sample questions.

When a member's personal data is erased (`member.erased`), their questions go, and so do
their place among an idea's askers and their sample questions (`forget_member`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import structlog
from event_contracts import InteractionReceivedV1, MemberErasedV1
from servicekit.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import is_question, keywords

from content_svc.ideas import repository
from content_svc.models import TITLE_MAX, ErasedMember, Idea, MemberQuestion

log = structlog.get_logger(__name__)

ORIGIN_NEED = "user_need"
WINDOW = timedelta(days=30)
RECENT_QUESTIONS = 5000
SAMPLES = 5
SAMPLE_MAX = 500
KEYWORDS_PER_QUESTION = 4
TEXT_MAX = 2000
ASKED_KINDS = ("comment", "reply", "direct_message", "mention")
_HAN = re.compile(r"[\u3400-\u9fff]")


async def record_question(
    session: AsyncSession, interaction: InteractionReceivedV1, *, min_askers: int
) -> Idea | None:
    """Keep the question and grow or create the idea it belongs to (None if neither)."""
    text = (interaction.text or "").strip()
    if interaction.kind not in ASKED_KINDS or not text:
        return None
    if not (interaction.is_question or is_question(text)):
        return None
    if await session.get(MemberQuestion, interaction.interaction_id) is not None:
        return None
    if await _was_erased(session, interaction.workspace_id, interaction.member_id):
        # Sent before the erasure, consumed after it (another topic, no order between them).
        log.info("question_of_erased_member_dropped", workspace_id=interaction.workspace_id)
        return None
    terms = [word for word, _ in keywords(text, top=KEYWORDS_PER_QUESTION)]
    if not terms:
        return None
    session.add(
        MemberQuestion(
            interaction_id=interaction.interaction_id,
            workspace_id=interaction.workspace_id,
            member_id=interaction.member_id,
            text=text[:TEXT_MAX],
            keywords=terms,
            asked_at=interaction.occurred_at,
        )
    )
    existing = await repository.need_ideas(session, interaction.workspace_id, terms)
    for term in terms:
        idea = existing.get(term)
        if idea is not None:
            _add_asker(idea, interaction.member_id, text)
            return idea
    recent = await repository.recent_questions(
        session, interaction.workspace_id, utcnow() - WINDOW, limit=RECENT_QUESTIONS
    )
    recent.append((interaction.member_id, text, terms))
    for term in terms:
        askers = {member for member, _, words in recent if term in words}
        if len(askers) >= min_askers:
            return _new_need(interaction.workspace_id, term, recent, session)
    return None


def _add_asker(idea: Idea, member_id: str, text: str) -> None:
    if member_id not in idea.asker_ids:
        idea.asker_ids = [*idea.asker_ids, member_id]
        idea.asker_count = len(idea.asker_ids)
        if len(idea.sample_questions) < SAMPLES and text not in idea.sample_questions:
            idea.sample_questions = [*idea.sample_questions, text[:SAMPLE_MAX]]
    idea.updated_at = utcnow()


def _new_need(
    workspace_id: str,
    term: str,
    recent: list[tuple[str, str, list[str]]],
    session: AsyncSession,
) -> Idea:
    askers: list[str] = []
    samples: list[str] = []
    for member, text, words in reversed(recent):  # oldest first
        if term in words and member not in askers:
            askers.append(member)
            if len(samples) < SAMPLES:
                samples.append(text[:SAMPLE_MAX])
    title = f"用户在问「{term}」" if _HAN.search(term) else f"Members ask about “{term}”"
    now = utcnow()
    idea = Idea(
        id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        origin=ORIGIN_NEED,
        status="new",
        title=title[:TITLE_MAX],
        summary=f"Community members keep asking about {term}; see the sample questions.",
        tags=[],
        need_key=term[:100],
        terms=[term],
        asker_ids=askers,
        asker_count=len(askers),
        sample_questions=samples,
        seen_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(idea)
    log.info("user_need_idea_created", workspace_id=workspace_id, keyword=term, askers=len(askers))
    return idea


# ---- erasure -----------------------------------------------------------------------------


def member_digest(member_id: str) -> str:
    """What is kept of an erased member's id: enough to recognise it, not to tell it."""
    return hashlib.sha256(member_id.encode("utf-8")).hexdigest()


async def _was_erased(session: AsyncSession, workspace_id: str, member_id: str) -> bool:
    key = (workspace_id, member_digest(member_id))
    return await session.get(ErasedMember, key) is not None


async def forget_member(session: AsyncSession, erased: MemberErasedV1) -> None:
    """Delete the member's questions and their part of user-need ideas.

    An idea loses the member as an asker and their sample questions (refilled from the
    remaining askers' questions). An idea nobody asks about any more is deleted while nobody
    has worked on it: it only recorded what those members asked. Once an operator has worked
    on it (shortlisted, discarded, noted, tagged, planned or used it), the idea is the team's
    and stays, without askers or samples; its title names a keyword, not a person.
    """
    workspace_id = erased.workspace_id
    gone = list(dict.fromkeys([erased.member_id, *erased.merged_member_ids]))
    for member_id in gone:
        key = (workspace_id, member_digest(member_id))
        if await session.get(ErasedMember, key) is None:
            session.add(
                ErasedMember(
                    workspace_id=workspace_id, member_digest=key[1], erased_at=erased.erased_at
                )
            )
    asked = await repository.questions_of(session, workspace_id, gone)
    erased_samples = {text[:SAMPLE_MAX] for text, _ in asked}
    await repository.delete_questions(session, workspace_id, gone)
    # Askers are a JSON list, which SQLite and PostgreSQL cannot search alike; a workspace
    # has one user-need idea per keyword, and erasures are rare.
    ideas = await repository.ideas_of_origin(session, workspace_id, ORIGIN_NEED)
    forgotten = 0
    for idea in ideas:
        if not set(gone) & set(idea.asker_ids) and not erased_samples & set(idea.sample_questions):
            continue
        forgotten += 1
        askers = [asker for asker in idea.asker_ids if asker not in gone]
        if not askers and _untouched(idea):
            await session.delete(idea)
            continue
        idea.asker_ids = askers
        idea.asker_count = len(askers)
        kept = [text for text in idea.sample_questions if text not in erased_samples]
        idea.sample_questions = await _refill_samples(session, idea, askers, kept)
        idea.updated_at = utcnow()
    await session.flush()
    log.info("member_forgotten", workspace_id=workspace_id, ideas=forgotten)


def _untouched(idea: Idea) -> bool:
    return (
        idea.status == "new"
        and idea.post_id is None
        and idea.campaign_id is None
        and not idea.notes
        and not idea.tags
    )


async def _refill_samples(
    session: AsyncSession, idea: Idea, askers: list[str], kept: list[str]
) -> list[str]:
    """`kept`, topped up to SAMPLES with the remaining askers' questions on the idea's
    keyword, oldest first (as a new idea picks them)."""
    if len(kept) >= SAMPLES or not askers or not idea.need_key:
        return kept
    samples = list(kept)
    for text, words in await repository.questions_of(session, idea.workspace_id, askers):
        sample = text[:SAMPLE_MAX]
        if idea.need_key in words and sample not in samples:
            samples.append(sample)
            if len(samples) >= SAMPLES:
                break
    return samples
