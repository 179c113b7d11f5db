"""The rules of word lists: each change goes out as `wordlist.changed` with the whole list,
so that channel-svc's copy (its pre-publish check) always equals ours."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from event_contracts import ListedWord, WordlistChangedV1
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import PageRequest, split_page
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import STARTER_WORDS, ScanWord, WordScanner

from content_svc.events import emit
from content_svc.kit.problems import found
from content_svc.models import Wordlist
from content_svc.wordlists import repository
from content_svc.wordlists.schemas import WordlistCreate


def _announce(session: AsyncSession, wordlist: Wordlist, *, deleted: bool) -> None:
    """Write `wordlist.changed` with the whole list (none when it is deleted)."""
    payload = WordlistChangedV1(
        wordlist_id=wordlist.id,
        workspace_id=wordlist.workspace_id,
        name=wordlist.name,
        deleted=deleted,
        words=[] if deleted else [ListedWord(**entry) for entry in wordlist.words],
        changed_at=wordlist.updated_at,
    )
    emit(session, payload)


async def create_wordlist(session: AsyncSession, caller: Caller, data: WordlistCreate) -> Wordlist:
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
    _announce(session, wordlist, deleted=False)
    await session.flush()
    return wordlist


async def get_wordlist(
    session: AsyncSession, caller: Caller, wordlist_id: str, *, for_update: bool = False
) -> Wordlist:
    wordlist = await repository.get_wordlist(
        session, caller.workspace_id, wordlist_id, for_update=for_update
    )
    return found(wordlist, "word list", wordlist_id)


async def list_wordlists(session: AsyncSession, workspace_id: str) -> Sequence[Wordlist]:
    return await repository.list_wordlists(session, workspace_id)


async def page_of_wordlists(
    session: AsyncSession, workspace_id: str, page: PageRequest
) -> tuple[list[Wordlist], str | None]:
    """A page of the workspace's word lists, oldest first, and the next page's cursor."""
    rows = await repository.page_of_wordlists(session, workspace_id, page)
    return split_page(rows, page.limit)


async def replace_wordlist(
    session: AsyncSession, caller: Caller, wordlist_id: str, data: WordlistCreate
) -> Wordlist:
    wordlist = await get_wordlist(session, caller, wordlist_id, for_update=True)
    words = [entry.model_dump() for entry in data.words]
    if wordlist.name == data.name and wordlist.words == words:
        return wordlist
    wordlist.name = data.name
    wordlist.words = words
    wordlist.version += 1
    wordlist.updated_at = utcnow()
    _announce(session, wordlist, deleted=False)
    await session.flush()
    return wordlist


async def delete_wordlist(session: AsyncSession, caller: Caller, wordlist_id: str) -> None:
    wordlist = await get_wordlist(session, caller, wordlist_id, for_update=True)
    wordlist.updated_at = utcnow()
    _announce(session, wordlist, deleted=True)
    await session.delete(wordlist)
    await session.flush()


async def workspace_scanner(session: AsyncSession, workspace_id: str) -> WordScanner:
    """The workspace's words first (their category wins), then the built-in starter list."""
    words: list[ScanWord] = []
    for wordlist in await list_wordlists(session, workspace_id):
        words.extend(ScanWord(entry["word"], entry["category"]) for entry in wordlist.words)
    words.extend(STARTER_WORDS)
    return WordScanner(words)
