"""The benchmark: a post against the workspace's posts on the same channel at the same age.

Peers are the channel's posts that went live in the 90 days before the post did (so a
verdict does not drift as newer posts arrive); the age is the largest checkpoint (1 h ...
30 d) the post has reached with a figure. Below 0.7 of the peers' median is
underperforming, above 1.3 outperforming, in between on par.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion.rollups.gains import CHECKPOINTS
from metrics_svc.kit.words import age_words, fmt_int, fmt_ratio
from metrics_svc.models import Series
from metrics_svc.reports import repository

WINDOW = timedelta(days=90)
_SPANS = tuple((age, timedelta(hours=age)) for age in CHECKPOINTS)
MIN_PEERS = 3
UNDER, OVER = 0.7, 1.3


@dataclass(frozen=True)
class AgeBasis:
    """How the age-based reports (best times, content insights) compare posts: by their
    `metric` at `age_hours`, for posts of the last `days`, in the time zone `zone`."""

    metric: str
    age_hours: int
    zone: ZoneInfo
    days: int


@dataclass(frozen=True)
class Benchmark:
    """A figure against its peers'; without enough of them, only the reason why not."""

    channel_id: str
    metric: str
    reason: str
    age_hours: int | None = None
    value: int | None = None
    peers: int = 0
    median: float | None = None
    mean: float | None = None
    p25: float | None = None
    p75: float | None = None
    ratio: float | None = None
    percentile: int | None = None
    verdict: str | None = None  # underperforming, on_par, outperforming; None when data is thin


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def judge(channel_id: str, metric: str, age: int, value: int, peers: Sequence[int]) -> Benchmark:
    if len(peers) < MIN_PEERS:
        return Benchmark(
            channel_id,
            metric,
            f"{metric} {fmt_int(value)} at {age_words(age)}; only {len(peers)} other post(s) "
            f"on this channel reached that age in the 90 days before it (need {MIN_PEERS})",
            age_hours=age,
            value=value,
            peers=len(peers),
        )
    median = statistics.median(peers)
    mean = statistics.fmean(peers)
    below = sum(1 for p in peers if p < value)
    equal = sum(1 for p in peers if p == value)
    percentile = round(100 * (below + 0.5 * equal) / len(peers))
    if median > 0:
        ratio: float | None = value / median
        assert ratio is not None
        verdict = (
            "underperforming" if ratio < UNDER else "outperforming" if ratio > OVER else "on_par"
        )
        reason = (
            f"{metric} {fmt_int(value)} at {age_words(age)} against a median of "
            f"{fmt_int(median)}: {fmt_ratio(ratio)}, {verdict}"
        )
    else:
        ratio = None
        verdict = "outperforming" if value > 0 else "on_par"
        reason = f"{metric} {fmt_int(value)} at {age_words(age)} against a median of 0: {verdict}"
    return Benchmark(
        channel_id,
        metric,
        reason,
        age_hours=age,
        value=value,
        peers=len(peers),
        median=median,
        mean=mean,
        p25=quantile(peers, 0.25),
        p75=quantile(peers, 0.75),
        ratio=ratio,
        percentile=percentile,
        verdict=verdict,
    )


def _no_figure(series: Series, now: datetime) -> Benchmark:
    if series.published_at is None:
        reason = "no publication time is known for this post on the channel"
    else:
        hours = (now - series.published_at).total_seconds() / 3600
        reason = (
            f"no {series.metric} figure yet at a benchmark age "
            f"(the post is {max(hours, 0):.0f} h old; the first age compared is 1 h)"
        )
    return Benchmark(series.channel_id, series.metric, reason)


async def benchmarks(
    session: AsyncSession, workspace_id: str, subjects: Sequence[Series], now: datetime
) -> dict[int, Benchmark]:
    """The benchmark of each subject series (post series only), by series id."""
    mine = await repository.checkpoints_of(session, [s.id for s in subjects])
    chosen: dict[int, repository.Checkpoint] = {}
    results: dict[int, Benchmark] = {}
    for series in subjects:
        if series.published_at is None:
            results[series.id] = _no_figure(series, now)
            continue
        elapsed = now - series.published_at
        held = mine.get(series.id, {})
        reached = [age for age, span in _SPANS if span <= elapsed and age in held]
        if not reached:
            results[series.id] = _no_figure(series, now)
            continue
        chosen[series.id] = held[reached[-1]]
    groups: dict[tuple[str, str, int], list[repository.Checkpoint]] = defaultdict(list)
    for point in chosen.values():
        groups[(point.channel_id, point.metric, point.age_hours)].append(point)
    for (channel_id, metric, age), points in groups.items():
        rows = await repository.peer_values(
            session,
            workspace_id,
            channel_id,
            metric,
            age_hours=age,
            published=(
                min(p.published_at for p in points) - WINDOW,
                max(p.published_at for p in points),
            ),
        )
        for point in points:
            peers = [
                value
                for sid, _, published, value in rows
                if sid != point.series_id
                and point.published_at - WINDOW <= published < point.published_at
            ]
            results[point.series_id] = judge(channel_id, metric, age, point.value, peers)
    return results


@dataclass(frozen=True)
class BandPoint:
    age_hours: int
    peers: int
    p25: float
    median: float
    p75: float


async def band(session: AsyncSession, workspace_id: str, series: Series) -> list[BandPoint]:
    """The peers' quartiles at every checkpoint: the band a post's curve is drawn against."""
    return (await bands(session, workspace_id, [series])).get(series.id, [])


async def bands(
    session: AsyncSession, workspace_id: str, subjects: Sequence[Series]
) -> dict[int, list[BandPoint]]:
    """The band of each subject series (with a publication time), by series id: one query
    per channel and metric, whatever the number of series."""
    groups: dict[tuple[str, str], list[Series]] = defaultdict(list)
    for series in subjects:
        if series.published_at is not None:
            groups[(series.channel_id, series.metric)].append(series)
    results: dict[int, list[BandPoint]] = {}
    for (channel_id, metric), members in groups.items():
        moments = [s.published_at for s in members if s.published_at is not None]
        rows = sorted(
            await repository.peer_values(
                session,
                workspace_id,
                channel_id,
                metric,
                published=(min(moments) - WINDOW, max(moments)),
            ),
            key=lambda row: row[2],
        )
        published = [row[2] for row in rows]
        for series in members:
            assert series.published_at is not None
            # Its peers went live in the 90 days before it.
            low = bisect_left(published, series.published_at - WINDOW)
            high = bisect_left(published, series.published_at)
            by_age: dict[int, list[int]] = defaultdict(list)
            for sid, age, _, value in rows[low:high]:
                if sid != series.id:
                    by_age[age].append(value)
            results[series.id] = [
                BandPoint(
                    age,
                    len(values),
                    quantile(values, 0.25),
                    statistics.median(values),
                    quantile(values, 0.75),
                )
                for age, values in sorted(by_age.items())
                if len(values) >= MIN_PEERS
            ]
    return results
