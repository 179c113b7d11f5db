"""`wordlist.changed`: keep the workspace's word lists for the pre-publish checks."""

from __future__ import annotations

from event_contracts import WordlistChangedV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.replicas import wordlists


@handles(WordlistChangedV1)
async def keep_wordlist(session: AsyncSession, change: WordlistChangedV1) -> None:
    await wordlists.apply_change(session, change)
