"""The rules of word lists: each change goes out as `wordlist.changed` with the whole list,
so that channel-svc's copy (its pre-publish check) always equals ours."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from event_contracts import CloudEvent, ListedWord, WordlistChangedV1
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.outbox import add_event
from servicekit.problems import NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import STARTER_WORDS, ScanWord, WordScanner

from content_svc.models import OutboxMessage, Wordlist
from content_svc.wordlists.schemas import WordlistWrite

SOURCE = "/content-svc"
TOPIC = "wordlist.changed"


def _canonical_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _emit(session: AsyncSession, wordlist: Wordlist, *, deleted: bool) -> None:
    payload = WordlistChangedV1(
        wordlist_id=wordlist.id,
        workspace_id=wordlist.workspace_id,
        name=wordlist.name,
        deleted=deleted,
        words=[] if deleted else [ListedWord(**entry) for entry in wordlist.words],
        changed_at=wordlist.updated_at,
    )
    event = CloudEvent.create(TOPIC, SOURCE, wordlist.id, wordlist.workspace_id, payload)
    add_event(session, OutboxMessage, event)


async def create_wordlist(session: AsyncSession, caller: Caller, data: WordlistWrite) -> Wordlist:
    now = utcnow()
    wordlist = Wordlist(
        id=str(uuid.uuid4()),
        workspace_id=caller.workspace_id,
        name=data.name,
        words=[entry.model_dump() for entry in data.words],
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(wordlist)
    _emit(session, wordlist, deleted=False)
    await session.flush()
    return wordlist


async def get_wordlist(
    session: AsyncSession, caller: Caller, wordlist_id: str, *, for_update: bool = False
) -> Wordlist:
    canonical = _canonical_id(wordlist_id)
    row = None
    if canonical is not None:
        query = select(Wordlist).where(
            Wordlist.workspace_id == caller.workspace_id, Wordlist.id == canonical
        )
        if for_update:
            query = query.with_for_update()
        row = (await session.scalars(query)).one_or_none()
    if row is None:
        raise NotFound(f"There is no word list {wordlist_id!r} in this workspace.")
    return row


async def list_wordlists(session: AsyncSession, workspace_id: str) -> Sequence[Wordlist]:
    query = (
        select(Wordlist)
        .where(Wordlist.workspace_id == workspace_id)
        .order_by(Wordlist.created_at, Wordlist.id)
    )
    return (await session.scalars(query)).all()


async def replace_wordlist(
    session: AsyncSession, caller: Caller, wordlist_id: str, data: WordlistWrite
) -> Wordlist:
    wordlist = await get_wordlist(session, caller, wordlist_id, for_update=True)
    words = [entry.model_dump() for entry in data.words]
    if wordlist.name == data.name and wordlist.words == words:
        return wordlist
    wordlist.name = data.name
    wordlist.words = words
    wordlist.version += 1
    wordlist.updated_at = utcnow()
    _emit(session, wordlist, deleted=False)
    await session.flush()
    return wordlist


async def delete_wordlist(session: AsyncSession, caller: Caller, wordlist_id: str) -> None:
    wordlist = await get_wordlist(session, caller, wordlist_id, for_update=True)
    wordlist.updated_at = utcnow()
    _emit(session, wordlist, deleted=True)
    await session.delete(wordlist)
    await session.flush()


async def workspace_scanner(session: AsyncSession, workspace_id: str) -> WordScanner:
    """The workspace's words first (their category wins), then the built-in starter list."""
    words: list[ScanWord] = []
    for wordlist in await list_wordlists(session, workspace_id):
        words.extend(ScanWord(entry["word"], entry["category"]) for entry in wordlist.words)
    words.extend(STARTER_WORDS)
    return WordScanner(words)
