"""A workspace's word lists, kept locally from content-svc's `wordlist.changed` events."""

from __future__ import annotations

from event_contracts import WordlistChangedV1
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import ScanWord, WordScanner

from channel_svc.models import Wordlist, refuse_long_ids
from channel_svc.rendering.checks import scanner_for
from channel_svc.replicas import outdated


async def apply_change(session: AsyncSession, change: WordlistChangedV1) -> bool:
    """Store the list as the event carries it. False when a newer change is already kept
    (or the id belongs to another workspace)."""
    refuse_long_ids(change.wordlist_id, change.workspace_id)
    row = await session.get(Wordlist, change.wordlist_id)
    if outdated(row, workspace_id=change.workspace_id, changed_at=change.changed_at):
        return False
    if row is None:
        row = Wordlist(id=change.wordlist_id, workspace_id=change.workspace_id)
        session.add(row)
    row.name = change.name
    row.words = (
        [] if change.deleted else [{"word": w.word, "category": w.category} for w in change.words]
    )
    row.deleted = change.deleted
    row.changed_at = change.changed_at
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
