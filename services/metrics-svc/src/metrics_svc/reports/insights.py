"""What content works, from the workspace's own history: each post's figure at a fixed age
(the benchmark checkpoints), compared with its channel's median at that age so that posts
on big and small channels compare, grouped by tag, target keyword, title length, weekday
and hour of publication, and platform."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from metrics_svc.kit.words import age_words, fmt_ratio
from metrics_svc.models import BenchmarkCheckpoint, Channel, Post, PostChannel
from metrics_svc.reports.benchmark import AgeBasis
from metrics_svc.reports.schemas import ContentInsights, InsightDimension, InsightGroup

WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
TITLE_BANDS = ((10, "≤10"), (20, "11–20"), (30, "21–30"), (40, "31–40"))
STRONG = 1.2  # an index this far from 1 (or its inverse) is worth saying
SUMMARY_LINES = 8


@dataclass
class _Post:
    post: Post
    values: dict[str, int] = field(default_factory=dict)  # per channel
    ratios: list[float] = field(default_factory=list)

    @property
    def value(self) -> int:
        return sum(self.values.values())

    @property
    def index(self) -> float | None:
        return statistics.fmean(self.ratios) if self.ratios else None


def title_band(title: str | None) -> str:
    length = len((title or "").strip())
    for limit, label in TITLE_BANDS:
        if length <= limit:
            return label
    return "41+"


def _group(
    key: str,
    label: str,
    members: list[_Post],
    min_posts: int,
    value: Callable[[_Post], float] = lambda p: p.value,
    index: float | None = None,
) -> InsightGroup:
    values = [value(p) for p in members]
    if index is None:
        indexes = [i for p in members if (i := p.index) is not None]
        index = statistics.median(indexes) if indexes else None
    ranked = sorted(members, key=lambda p: (-value(p), p.post.id))
    return InsightGroup(
        key=key,
        label=label,
        posts=len(members),
        enough=len(members) >= min_posts,
        median_value=round(statistics.median(values), 2),
        mean_value=round(statistics.fmean(values), 2),
        index=round(index, 3) if index is not None else None,
        post_ids=[p.post.id for p in ranked],
    )


def _dimension(
    name: str, keyed: Iterable[tuple[str, str, _Post]], min_posts: int
) -> InsightDimension:
    members: dict[tuple[str, str], list[_Post]] = defaultdict(list)
    for key, label, post in keyed:
        members[(key, label)].append(post)
    groups = [_group(k, label, ps, min_posts) for (k, label), ps in members.items()]
    groups.sort(key=lambda g: (not g.enough, -(g.index or 0), -g.posts, g.key))
    return InsightDimension(dimension=name, groups=groups)


def _sentence(dimension: str, group: InsightGroup, metric: str) -> str:
    subject = {
        "tag": f"posts tagged {group.label}",
        "keyword": f"posts targeting the keyword {group.label}",
        "title_length": f"titles of {group.label} characters",
        "weekday": f"posts published on {group.label}",
        "hour": f"posts published at {group.label}",
        "weekday_hour": f"posts published on {group.label}",
        "platform": f"posts on {group.label}",
    }[dimension]
    norm = "the median" if dimension != "platform" else "the median of all posts'"
    return f"{subject} get {fmt_ratio(group.index or 0)}× {norm} {metric} (n={group.posts})"


def platforms_of(
    placements: Iterable[PostChannel], names: dict[str, Channel]
) -> dict[tuple[str, str], str]:
    """The platform of each post on each channel (post id, channel id)."""
    return {
        (placement.post_id, placement.channel_id): placement.platform
        or (channel.platform if (channel := names.get(placement.channel_id)) else None)
        or "unknown"
        for placement in placements
    }


def content_insights(
    rows: Iterable[BenchmarkCheckpoint],
    found: dict[str, Post],
    platforms: dict[tuple[str, str], str],
    basis: AgeBasis,
    min_posts: int,
) -> ContentInsights:
    """`rows`: the posts' figures at the basis' age; `found`: those posts."""
    metric, age_hours, zone, days = basis.metric, basis.age_hours, basis.zone, basis.days
    posts = {post_id: _Post(post) for post_id, post in found.items()}
    by_channel: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r.post_id in posts:
            posts[r.post_id].values[r.channel_id] = r.value
            by_channel[r.channel_id].append(r.value)
    medians = {c: statistics.median(v) for c, v in by_channel.items() if len(v) >= min_posts}
    units: list[tuple[str, int]] = []  # (platform, value) of each post on each channel
    for p in posts.values():
        for channel_id, value in p.values.items():
            if medians.get(channel_id):
                p.ratios.append(value / medians[channel_id])
            units.append((platforms.get((p.post.id, channel_id), "unknown"), value))
    sample = list(posts.values())

    def local(p: _Post) -> tuple[int, int]:
        moment = p.post.published_at.astimezone(zone)
        return moment.weekday(), moment.hour

    dimensions = [
        _dimension(
            "tag", ((t, t, p) for p in sample for t in dict.fromkeys(p.post.tags)), min_posts
        ),
        _dimension(
            "keyword",
            ((k, k, p) for p in sample for k in dict.fromkeys(p.post.keywords)),
            min_posts,
        ),
        _dimension(
            "title_length",
            ((b, b, p) for p in sample for b in [title_band(p.post.title)]),
            min_posts,
        ),
        _dimension(
            "weekday",
            ((str(d), WEEKDAYS[d], p) for p in sample for d in [local(p)[0]]),
            min_posts,
        ),
        _dimension(
            "hour",
            ((f"{h}", f"{h:02d}:00–{h + 1:02d}:00", p) for p in sample for h in [local(p)[1]]),
            min_posts,
        ),
        _dimension(
            "weekday_hour",
            (
                (f"{d}-{h}", f"{WEEKDAYS[d]} {h:02d}:00–{h + 1:02d}:00", p)
                for p in sample
                for d, h in [local(p)]
            ),
            min_posts,
        ),
    ]
    # By platform, the post's figure on each platform is compared with all posts' median.
    overall = statistics.median([v for _, v in units]) if units else 0
    per_platform: dict[str, list[tuple[_Post, int]]] = defaultdict(list)
    for p in sample:
        for channel_id, value in p.values.items():
            per_platform[platforms.get((p.post.id, channel_id), "unknown")].append((p, value))
    platform_groups = []
    for platform, members in per_platform.items():
        value_of = {id(p): v for p, v in members}
        group_median = statistics.median(value_of.values())
        platform_groups.append(
            _group(
                platform,
                platform,
                [p for p, _ in members],
                min_posts,
                value=lambda p, value_of=value_of: value_of[id(p)],  # type: ignore[misc]
                index=group_median / overall if overall else None,
            )
        )
    platform_groups.sort(key=lambda g: (not g.enough, -(g.index or 0), g.key))
    dimensions.append(InsightDimension(dimension="platform", groups=platform_groups))

    strong = [
        (abs(math.log(g.index)), d.dimension, g)
        for d in dimensions
        for g in d.groups
        if g.enough and g.index and (g.index >= STRONG or g.index <= 1 / STRONG)
    ]
    strong.sort(key=lambda item: (-item[0], item[1], item[2].key))
    summary = [_sentence(dimension, g, metric) for _, dimension, g in strong[:SUMMARY_LINES]]
    if not sample:
        summary = [
            f"no post has reached {age_words(age_hours)} with a {metric} figure in the last "
            f"{days} days"
        ]
    elif not strong:
        summary = [
            f"nothing stands out yet: no group of at least {min_posts} posts is {STRONG}× "
            f"above or below the median {metric} (n={len(sample)})"
        ]
    return ContentInsights(
        metric=metric,
        age_hours=age_hours,
        days=days,
        timezone=zone.key,
        min_posts=min_posts,
        posts=len(sample),
        basis=f"each post's {metric} at {age_words(age_hours)}, against the median of its "
        f"channel's posts at that age over the same {days} days (index 1 = the median)",
        summary=summary,
        dimensions=dimensions,
    )
