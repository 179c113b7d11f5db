"""Best times to publish: the hours of the week whose posts did best, per channel.

Each post counts with its figure at a fixed age (48 h by default), so that old and new
posts compare; its slot is the hour of the week it went live on the channel, in the
report's time zone. Slots with fewer than MIN_SLOT posts are not judged, and a channel with
fewer than MIN_CHANNEL posts gets no answer at all.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable

from metrics_svc.models import BenchmarkCheckpoint, Channel
from metrics_svc.replicas.repository import channel_labels
from metrics_svc.reports.benchmark import AgeBasis
from metrics_svc.reports.schemas import BestHour, BestSlot, BestTimes, ChannelBestTimes

MIN_SLOT = 3
MIN_CHANNEL = 10
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def best_times(
    rows: Iterable[BenchmarkCheckpoint],
    names: dict[str, Channel],
    basis: AgeBasis,
    channel_id: str | None,
) -> BestTimes:
    """`rows`: the posts' figures at the basis' age (of one channel, when `channel_id`)."""
    metric, age_hours, zone, days = basis.metric, basis.age_hours, basis.zone, basis.days
    samples: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for row in rows:
        local = row.published_at.astimezone(zone)
        samples[row.channel_id].append((local.weekday(), local.hour, row.value))
    if channel_id and channel_id not in samples:
        samples[channel_id] = []
    channels = []
    for channel, sample in sorted(samples.items()):
        slots: dict[tuple[int, int], list[int]] = defaultdict(list)
        hours: dict[int, list[int]] = defaultdict(list)
        for weekday, hour, value in sample:
            slots[(weekday, hour)].append(value)
            hours[hour].append(value)
        judged = sorted(
            (
                BestSlot(
                    weekday=weekday,
                    hour=hour,
                    posts=len(values),
                    median=statistics.median(values),
                    mean=round(statistics.fmean(values), 1),
                )
                for (weekday, hour), values in slots.items()
                if len(values) >= MIN_SLOT
            ),
            key=lambda s: (-s.median, s.weekday, s.hour),
        )
        by_hour = sorted(
            (
                BestHour(hour=hour, posts=len(values), median=statistics.median(values))
                for hour, values in hours.items()
                if len(values) >= MIN_SLOT
            ),
            key=lambda h: (-h.median, h.hour),
        )
        thin = sum(1 for values in slots.values() if len(values) < MIN_SLOT)
        best: list[BestSlot] = []
        if len(sample) < MIN_CHANNEL:
            answer, reason, best = (
                False,
                f"only {len(sample)} post(s) with {metric} at {age_hours} h in the last {days} "
                f"days; at least {MIN_CHANNEL} are needed to say",
                [],
            )
        elif not judged:
            answer, reason, best = (
                False,
                f"{len(sample)} posts, but no hour of the week has {MIN_SLOT} of them yet",
                [],
            )
        else:
            answer, best = True, judged[:3]
            top = best[0]
            reason = (
                f"{WEEKDAYS[top.weekday]} {top.hour:02d}:00 does best: median {metric} "
                f"{top.median:,.0f} at {age_hours} h over {top.posts} posts "
                f"(sample: {len(sample)} posts)"
            )
        channels.append(
            ChannelBestTimes(
                **channel_labels(names, channel),
                posts=len(sample),
                answer=answer,
                reason=reason,
                best=best,
                slots=judged if answer else [],
                by_hour=by_hour if answer else [],
                thin_slots=thin,
            )
        )
    return BestTimes(
        metric=metric,
        age_hours=age_hours,
        timezone=str(zone),
        min_posts_per_slot=MIN_SLOT,
        channels=channels,
    )
