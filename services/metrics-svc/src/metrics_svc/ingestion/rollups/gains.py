"""The rollup algorithm, on values in memory: the gains of observations, summed into
buckets, the channel's days and the benchmark checkpoints. Nothing here reads or writes
the database (`store` does, through a writer)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from metrics_svc.models import ACCOUNT, Series

# Ages (hours since publication) at which every post's figures are kept for benchmarks.
CHECKPOINTS: tuple[int, ...] = (1, 2, 4, 6, 12, 24, 48, 72, 120, 168, 336, 720)
_AGES = {age: timedelta(hours=age) for age in CHECKPOINTS}


class Point(Protocol):
    """An observation: an incoming one, or a stored raw point."""

    @property
    def observed_at(self) -> datetime: ...

    @property
    def value(self) -> int: ...


Bucket = list[Any]
"""[last value in the bucket, gain over the bucket, when that last value was observed]."""
Buckets = dict[datetime, Bucket]
"""One series' buckets by their start."""
ChannelDay = tuple[datetime, str, str, bool]
"""(day, channel id, metric, account figures or not): a row of the channel's daily rollup."""


@dataclass
class Changes:
    """What a batch changes, by row key: each writer upserts it in its own way."""

    hourly: dict[tuple[int, datetime], Bucket] = field(default_factory=dict)
    daily: dict[tuple[int, datetime], Bucket] = field(default_factory=dict)
    # Gains to add to the channel's days.
    channel: dict[ChannelDay, int] = field(default_factory=lambda: defaultdict(int))
    # (series id, age hours) -> (the series, value, observed at)
    checkpoints: dict[tuple[int, int], tuple[Series, int, datetime]] = field(default_factory=dict)
    # series id -> (latest value, observed at)
    latest: dict[int, tuple[int, datetime]] = field(default_factory=dict)

    def add_to_channel(self, series: Series, day: datetime, gain: int) -> None:
        self.channel[(day, series.channel_id, series.metric, series.post_id == ACCOUNT)] += gain


def baseline(series: Series, first_value: int) -> int:
    """What the first observation of a series gains from: nothing before a post's first
    figure, but an account's first figure is only where counting starts."""
    return first_value if series.post_id == ACCOUNT else 0


def buckets(points: Sequence[Point], previous: int) -> tuple[Buckets, Buckets]:
    """The hourly and daily buckets of one series' observations (in time order), each
    gaining over the one before it, the first over `previous`."""
    hourly: Buckets = {}
    daily: Buckets = {}
    for point in points:
        gain = point.value - previous
        previous = point.value
        at = point.observed_at
        utc = at.astimezone(UTC)
        hour = utc.replace(minute=0, second=0, microsecond=0)
        day = utc.replace(hour=0, minute=0, second=0, microsecond=0)
        for found, start in ((hourly, hour), (daily, day)):
            bucket = found.get(start)
            if bucket is None:
                found[start] = [point.value, gain, at]
            else:
                bucket[0] = point.value
                bucket[1] += gain
                bucket[2] = at
    return hourly, daily


def append(series: Series, points: Sequence[Point], changes: Changes) -> None:
    """Observations all newer than the series' latest: add their gains."""
    previous = (
        series.latest_value
        if series.latest_observed_at is not None
        else baseline(series, points[0].value)
    )
    hourly, daily = buckets(points, previous)
    sid = series.id
    for start, bucket in hourly.items():
        changes.hourly[(sid, start)] = bucket
    for start, bucket in daily.items():
        changes.daily[(sid, start)] = bucket
        changes.add_to_channel(series, start, bucket[1])
    last = points[-1]
    changes.latest[sid] = (last.value, last.observed_at)
    if series.published_at is not None:
        checkpoints(series, points, changes, since=None)


def rebuild(
    series: Series,
    before: Point | None,
    points: Sequence[Point],
    old_daily: dict[datetime, int],
    changes: Changes,
    *,
    since: datetime,
) -> tuple[Buckets, Buckets]:
    """The buckets of `series` from the day `since` on, recomputed from its raw points
    there (`points`) and the last point before that day (`before`); `old_daily` are the
    gains its daily buckets held from that day on, which the channel's days lose."""
    previous = before.value if before is not None else baseline(series, points[0].value)
    hourly, daily = buckets(points, previous)
    for day in set(old_daily) | set(daily):
        diff = (daily[day][1] if day in daily else 0) - old_daily.get(day, 0)
        changes.add_to_channel(series, day, diff)
    everything = [*([before] if before is not None else []), *points]
    last = everything[-1]
    changes.latest[series.id] = (last.value, last.observed_at)
    if series.published_at is not None:
        checkpoints(series, everything, changes, since=since)
    return hourly, daily


def checkpoints(
    series: Series, points: Sequence[Point], changes: Changes, *, since: datetime | None
) -> None:
    """Each age's value is the last observation at or before it. Ages the observations have
    passed are final; the first age after the last observation holds a provisional value
    (replaced when a later figure arrives); ages beyond it stay unset until observed."""
    published_at = series.published_at
    assert published_at is not None
    sid = series.id
    last_seen = points[-1].observed_at
    for age in CHECKPOINTS:
        deadline = published_at + _AGES[age]
        if since is not None and deadline < since:
            continue
        candidate = None
        for point in points:
            if point.observed_at <= deadline:
                candidate = point
            else:
                break
        if candidate is not None:
            changes.checkpoints[(sid, age)] = (series, candidate.value, candidate.observed_at)
        if deadline >= last_seen:
            break  # the frontier: later ages are not known yet
