"""Sentiment counts for the reports: a post's (overall and per channel) and each channel's
over a period, from the interactions with text that user-svc reported on our posts.

An interaction names the post and the platform, not the channel: on a post that went to
two channels of one platform, it counts on both."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.reports import repository
from metrics_svc.reports.schemas import SentimentCounts
from metrics_svc.vocabulary import community_platform


def counts(found: Counter[str]) -> SentimentCounts:
    total = found["positive"] + found["neutral"] + found["negative"]
    return SentimentCounts(
        positive=found["positive"],
        neutral=found["neutral"],
        negative=found["negative"],
        negative_share=round(found["negative"] / total, 4) if total else None,
    )


class PostSentiment:
    """A post's counts: all of them, and those of one channel's platform."""

    def __init__(self, rows: Iterable[repository.SentimentRow]) -> None:
        self._by_platform: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._all: Counter[str] = Counter()
        for platform, sentiment, count in rows:
            self._by_platform[platform][sentiment] += count
            self._all[sentiment] += count

    @property
    def overall(self) -> SentimentCounts:
        return counts(self._all)

    def on(self, channel_platform: str | None) -> SentimentCounts:
        platform = community_platform(channel_platform)
        return counts(self._by_platform.get(platform or "", Counter()))


async def post_sentiment(session: AsyncSession, workspace_id: str, post_id: str) -> PostSentiment:
    return PostSentiment(await repository.post_sentiments(session, workspace_id, post_id))


async def channel_sentiments(
    session: AsyncSession, workspace_id: str, start: datetime, end: datetime
) -> dict[str, SentimentCounts]:
    """Each channel's counts over [start, end), of its posts' interactions on its platform
    (all of them when the channel's platform is not known yet)."""
    found: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for (
        channel_id,
        channel_platform,
        platform,
        sentiment,
        count,
    ) in await repository.channel_sentiments(session, workspace_id, start, end):
        if channel_platform is None or community_platform(channel_platform) == platform:
            found[channel_id][sentiment] += count
    return {channel_id: counts(found_counts) for channel_id, found_counts in found.items()}
