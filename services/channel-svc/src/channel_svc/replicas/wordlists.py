"""A workspace's word lists, kept locally from content-svc's `wordlist.changed` events."""

from __future__ import annotations

from event_contracts import WordlistChangedV1
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import ScanWord, WordScanner

from channel_svc.models import Wordlist
from channel_svc.rendering.checks import scanner_for
from channel_svc.replicas import row_to_change


async def apply_change(session: AsyncSession, change: WordlistChangedV1) -> bool:
    """Store the list as the event carries it. False when a newer change is already kept
    (or the id belongs to another workspace)."""
    row = await row_to_change(session, Wordlist, change.wordlist_id, change)
    if row is None:
        return False
    row.name = change.name
    row.words = (
        [] if change.deleted else [{"word": w.word, "category": w.category} for w in change.words]
    )
    row.deleted = change.deleted
    await session.flush()
    return True


async def workspace_words(session: AsyncSession, workspace_id: str) -> list[ScanWord]:
    rows = await session.scalars(
        select(Wordlist).where(Wordlist.workspace_id == workspace_id, Wordlist.deleted.is_(False))
    )
    return [
        ScanWord(str(entry["word"]), str(entry.get("category") or "custom"))
        for row in rows.all()
        for entry in row.words
        if entry.get("word")
    ]


async def scanner(session: AsyncSession, workspace_id: str) -> WordScanner:
    return scanner_for(await workspace_words(session, workspace_id))
