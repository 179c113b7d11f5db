"""Trends: keywords rising in recent feed entries against the window before.

For each keyword (jieba words for Chinese, plain words for English, as textkit tokenises
them) the number of entries that mention it in the window is compared with the window
before: lift = (now + 1) / (before + 1). Keywords mentioned in at least `min_count`
entries with a lift above 1 are rising; each comes with sample entries and the peer
sources that cover it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.models import Idea
from content_svc.trends import repository
from content_svc.trends.schemas import PeerCoverage, SampleEntry, Trend, TrendsRead

_WINDOW = re.compile(r"^(\d{1,4})([hd])$")
MAX_WINDOW = timedelta(days=30)
ENTRIES_PER_WINDOW = 5000
SAMPLES = 3
_HAN = re.compile(r"[\u3400-\u9fff]")


def parse_window(value: str) -> timedelta:
    match = _WINDOW.match(value.strip().lower())
    if match is None:
        raise Invalid.field("query.window", "write hours or days, such as 24h or 7d")
    amount, unit = int(match.group(1)), match.group(2)
    window = timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
    if not timedelta(hours=1) <= window <= MAX_WINDOW:
        raise Invalid.field("query.window", "must be between 1h and 30d")
    return window


async def rising_keywords(
    session: AsyncSession,
    caller: Caller,
    *,
    window: str,
    limit: int,
    min_count: int,
    now: datetime | None = None,
) -> TrendsRead:
    span = parse_window(window)
    now = now or utcnow()
    recent = await repository.ideas_seen_between(
        session, caller.workspace_id, now - span, now, limit=ENTRIES_PER_WINDOW
    )
    before = await repository.ideas_seen_between(
        session, caller.workspace_id, now - 2 * span, now - span, limit=ENTRIES_PER_WINDOW
    )
    sources = await repository.sources_by_id(session, caller.workspace_id)
    counts_now = Counter(term for idea in recent for term in set(idea.terms))
    counts_before = Counter(term for idea in before for term in set(idea.terms))
    mentions: defaultdict[str, list[Idea]] = defaultdict(list)
    for idea in recent:  # newest first
        for term in set(idea.terms):
            mentions[term].append(idea)

    trends: list[Trend] = []
    for term, count in counts_now.items():
        previous = counts_before.get(term, 0)
        lift = (count + 1) / (previous + 1)
        if count < min_count or lift <= 1:
            continue
        peers: Counter[str] = Counter(
            idea.source_id
            for idea in mentions[term]
            if idea.source_id in sources and sources[idea.source_id].kind == "peer"
        )
        trends.append(
            Trend(
                keyword=term,
                language="zh" if _HAN.search(term) else "en",
                count=count,
                previous_count=previous,
                lift=round(lift, 2),
                samples=[
                    SampleEntry(
                        idea_id=idea.id,
                        title=idea.title,
                        link=idea.link,
                        source_id=idea.source_id,
                        source_name=sources[idea.source_id].name
                        if idea.source_id in sources
                        else None,
                        seen_at=idea.seen_at,
                    )
                    for idea in mentions[term][:SAMPLES]
                ],
                peers=[
                    PeerCoverage(source_id=sid, name=sources[sid].name, entries=n)
                    for sid, n in peers.most_common()
                    if sid is not None
                ],
            )
        )
    trends.sort(key=lambda t: (-t.lift, -t.count, t.keyword))
    return TrendsRead(
        window=window,
        window_start=now - span,
        window_end=now,
        entries=len(recent),
        previous_entries=len(before),
        keywords=trends[:limit],
    )
