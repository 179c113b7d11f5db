"""Turning submitted points into resolved observations, listing every problem.

A point is resolved to a series (channel, post or account, metric) through the local copies
learned from events, or through a historical copy it introduces (see `history`); its metric
is read in the platform's vocabulary. Nothing is stored here: the caller stores the points,
and records the copies they introduce, only when no problem was found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from servicekit.db import utcnow
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import repository
from metrics_svc.ingestion.history import EARLIEST, SAME_TIME, HistoricalCopy, history_id
from metrics_svc.ingestion.repository import Known
from metrics_svc.models import ACCOUNT
from metrics_svc.vocabulary import ACCOUNT_METRICS, known_names, normalise_metric

# Clocks differ; an observation a few minutes "in the future" is not an error.
CLOCK_SKEW = timedelta(minutes=5)
# Figures observed well before the post went live are a time-zone mistake, not data.
BEFORE_PUBLICATION = timedelta(hours=1)


@dataclass(frozen=True)
class SubmittedPoint:
    """A point as sent (API body or CSV row); `where` locates it for error messages."""

    where: int  # index in the batch, or line number in the CSV
    metric: str
    value: int
    observed_at: datetime
    source: str
    post_id: str | None = None
    channel_id: str | None = None
    external_id: str | None = None
    platform: str | None = None
    # An earlier post's copy, named by channel_id + external_id: when it went live, and
    # what it was (recorded when the copy is not known yet).
    published_at: datetime | None = None
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Observation:
    """A valid point, resolved to its series."""

    channel_id: str
    post_id: str  # ACCOUNT for account figures
    metric: str
    observed_at: datetime
    value: int
    source: str
    published_at: datetime | None

    @property
    def series_key(self) -> tuple[str, str, str]:
        return (self.channel_id, self.post_id, self.metric)


@dataclass(frozen=True)
class Problem:
    where: int
    field: str
    reason: str


@dataclass
class Resolution:
    observations: list[Observation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0  # the same point twice in the submission
    copies: list[HistoricalCopy] = field(default_factory=list)  # to record with the points


Copies = dict[tuple[str, str], HistoricalCopy]
"""Historical copies introduced by a submission, by (channel id, external id)."""


def _introduce(
    workspace_id: str,
    points: Sequence[SubmittedPoint],
    known: Known,
    copies: Copies,
    now: datetime,
) -> tuple[list[HistoricalCopy], dict[int, Problem]]:
    """The historical copies the points introduce (a copy not known yet, with the time it
    went live), and the problem of each point (by position) that cannot introduce one."""
    new: dict[tuple[str, str], HistoricalCopy] = {}
    refused: dict[int, Problem] = {}
    for position, point in enumerate(points):
        if point.post_id or not point.channel_id or not point.external_id:
            continue
        key = (point.channel_id, point.external_id)
        if key in new:  # a later point may say what the first one did not
            copy = new[key]
            if (copy.title is None and point.title) or (copy.url is None and point.url):
                new[key] = copies[key] = replace(
                    copy, title=copy.title or point.title, url=copy.url or point.url
                )
            continue
        if point.published_at is None or key in known.by_external or key in copies:
            continue
        channel = known.channels.get(point.channel_id)
        if channel is None or channel.deleted:
            state = "unknown" if channel is None else "deleted"
            refused[position] = Problem(
                point.where, "channel_id", f"{state} channel {point.channel_id!r}"
            )
        elif point.published_at > now + CLOCK_SKEW:
            refused[position] = Problem(
                point.where,
                "published_at",
                f"published in the future ({point.published_at.isoformat()})",
            )
        elif point.published_at < EARLIEST:
            refused[position] = Problem(
                point.where,
                "published_at",
                f"published before {EARLIEST.year} ({point.published_at.isoformat()})",
            )
        else:
            # where, channel_id, external_id, published_at, title, url: the point's
            new[key] = copies[key] = shaped(
                HistoricalCopy,
                point,
                post_id=history_id(workspace_id, point.channel_id, point.external_id),
                platform=channel.platform,
            )
    return list(new.values()), refused


Target = tuple[str, str, datetime | None]


def _target(point: SubmittedPoint, known: Known, copies: Copies) -> Target | Problem:
    """(channel id, post id or ACCOUNT, publication time on the channel), or the problem."""
    if point.post_id:
        if point.post_id not in known.posts:
            return Problem(point.where, "post_id", f"unknown post {point.post_id!r}")
        channels = known.post_channels.get(point.post_id, [])
        if point.channel_id:
            for row in channels:
                if row.channel_id == point.channel_id:
                    return (row.channel_id, row.post_id, row.published_at)
            return Problem(
                point.where,
                "channel_id",
                f"post {point.post_id!r} was not published to channel {point.channel_id!r}",
            )
        if len(channels) == 1:
            return (channels[0].channel_id, point.post_id, channels[0].published_at)
        return Problem(
            point.where,
            "channel_id",
            f"post {point.post_id!r} went to {len(channels)} channels: name the channel",
        )
    if point.external_id:
        if not point.channel_id:
            return Problem(
                point.where, "channel_id", "a platform's post id needs the channel it is on"
            )
        key = (point.channel_id, point.external_id)
        placed = known.by_external.get(key)
        if placed is not None:
            return (placed.channel_id, placed.post_id, placed.published_at)
        earlier = copies.get(key)
        if earlier is not None:
            return (earlier.channel_id, earlier.post_id, earlier.published_at)
        return Problem(
            point.where,
            "external_id",
            f"no post known with id {point.external_id!r} on channel {point.channel_id!r}; "
            "to record an earlier post, send its published_at",
        )
    if point.channel_id:
        if point.channel_id not in known.channels:
            return Problem(point.where, "channel_id", f"unknown channel {point.channel_id!r}")
        return (point.channel_id, ACCOUNT, None)
    return Problem(
        point.where, "post_id", "name a post_id, a channel_id and external_id, or a channel_id"
    )


def _history_problems(
    point: SubmittedPoint, post_id: str, published_at: datetime | None
) -> list[Problem]:
    """A point naming a known copy may repeat when it went live, not say otherwise."""
    if post_id == ACCOUNT:
        return [
            Problem(point.where, name, "account figures name no post: leave it out")
            for name, value in (
                ("published_at", point.published_at),
                ("title", point.title),
                ("url", point.url),
            )
            if value is not None
        ]
    if (
        point.published_at is not None
        and published_at is not None
        and abs(point.published_at - published_at) > SAME_TIME
    ):
        return [
            Problem(
                point.where,
                "published_at",
                f"the post went live on the channel at {published_at.isoformat()}, not "
                f"{point.published_at.isoformat()}",
            )
        ]
    return []


Seen = dict[tuple[str, str, str, datetime], tuple[int, int]]


async def resolve(
    session: AsyncSession,
    workspace_id: str,
    points: Sequence[SubmittedPoint],
    *,
    seen: Seen | None = None,
    copies: Copies | None = None,
    noun: str = "point",
) -> Resolution:
    """Resolve `points`; `seen` and `copies` carry the points and the historical copies of
    earlier slices of the same submission."""
    known = await repository.known(
        session,
        workspace_id,
        post_ids=sorted({p.post_id for p in points if p.post_id}),
        channel_ids=sorted({p.channel_id for p in points if p.channel_id}),
        externals=sorted(
            {(p.channel_id, p.external_id) for p in points if p.channel_id and p.external_id}
        ),
    )
    now = utcnow()
    result = Resolution()
    seen = {} if seen is None else seen
    copies = {} if copies is None else copies
    result.copies, refused = _introduce(workspace_id, points, known, copies, now)
    # A batch names each post many times (every metric, every snapshot): its target is
    # found once. Problems name the point, so only targets found are kept.
    targets: dict[tuple[str | None, str | None, str | None], Target] = {}
    for position, point in enumerate(points):
        problems: list[Problem] = []
        target: Target | Problem | None = refused.get(position)
        if target is None:
            naming = (point.post_id, point.channel_id, point.external_id)
            target = targets.get(naming)
            if target is None:
                target = _target(point, known, copies)
                if not isinstance(target, Problem):
                    targets[naming] = target
        if isinstance(target, Problem):
            problems.append(target)
            channel_id, post_id, published_at = None, None, None
        else:
            channel_id, post_id, published_at = target
            problems.extend(_history_problems(point, post_id, published_at))
        channel = known.channels.get(channel_id) if channel_id else None
        platform = point.platform or (channel.platform if channel else None)
        metric = normalise_metric(point.metric, platform)
        if metric is None:
            problems.append(
                Problem(
                    point.where,
                    "metric",
                    f"unknown metric {point.metric!r}"
                    + (f" for platform {platform!r}" if platform else "")
                    + f"; known: {', '.join(known_names(platform))}",
                )
            )
        elif post_id is not None:
            if post_id == ACCOUNT and metric not in ACCOUNT_METRICS:
                problems.append(
                    Problem(
                        point.where,
                        "metric",
                        f"{metric} is a figure of a post: name the post",
                    )
                )
            elif post_id != ACCOUNT and metric in ACCOUNT_METRICS:
                problems.append(
                    Problem(
                        point.where,
                        "metric",
                        f"{metric} is a figure of the account: send it with the channel alone",
                    )
                )
        if point.value < 0:
            problems.append(Problem(point.where, "value", f"negative value {point.value}"))
        if point.observed_at > now + CLOCK_SKEW:
            problems.append(
                Problem(
                    point.where,
                    "observed_at",
                    f"observed in the future ({point.observed_at.isoformat()})",
                )
            )
        elif published_at is not None and point.observed_at < published_at - BEFORE_PUBLICATION:
            problems.append(
                Problem(
                    point.where,
                    "observed_at",
                    f"observed at {point.observed_at.isoformat()}, before the post went live "
                    f"on the channel ({published_at.isoformat()})",
                )
            )
        if problems or channel_id is None or post_id is None or metric is None:
            result.problems.extend(problems)
            continue
        key = (channel_id, post_id, metric, point.observed_at)
        if key in seen:
            first_where, first_value = seen[key]
            if first_value != point.value:
                result.problems.append(
                    Problem(
                        point.where,
                        "value",
                        f"repeats {noun} {first_where} with another value "
                        f"({first_value} there, {point.value} here)",
                    )
                )
            else:
                result.duplicates += 1
            continue
        seen[key] = (point.where, point.value)
        result.observations.append(
            Observation(
                channel_id=channel_id,
                post_id=post_id,
                metric=metric,
                observed_at=point.observed_at,
                value=point.value,
                source=point.source,
                published_at=published_at,
            )
        )
    return result
