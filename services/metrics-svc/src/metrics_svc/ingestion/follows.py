"""Followers won and lost as they happen: WeChat pushes each subscribe and unsubscribe to
channel-svc's callback (`platform.follower.changed`), and the channel's account series move
by one at once — follows gained or unfollows up by one, followers up or down by one — so
that today's follower figures show before the platform's own figures of the day exist.

These are estimates: the next datacube pull writes the platform's figures of each day
(`collected`), and a later follow builds on the series' newest value, whichever wrote it
(held while it does, so that two changes at once both count; one that arrives late counts
at the newest point). The followers total moves only once a first total is known (a pull,
or `POST /stats`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import structlog
from event_contracts import PlatformFollowerChangedV1
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import repository
from metrics_svc.ingestion.batches import BatchWriter
from metrics_svc.ingestion.validation import SubmittedPoint, resolve
from metrics_svc.models import ACCOUNT
from metrics_svc.vocabulary import normalise_metric

log = structlog.get_logger(__name__)

SOURCE = "wechat_callback"
BASELINE = timedelta(seconds=1)


def _point(
    change: PlatformFollowerChangedV1, metric: str, value: int, *, at: datetime
) -> SubmittedPoint:
    return SubmittedPoint(
        where=0,
        metric=metric,
        value=value,
        observed_at=at,
        source=SOURCE,
        post_id=None,
        channel_id=change.channel_id,
        platform=change.platform,
    )


async def count_follow(session: AsyncSession, change: PlatformFollowerChangedV1) -> None:
    moves = [
        ("new_user" if change.followed else "cancel_user", 1),
        ("cumulate_user", 1 if change.followed else -1),
    ]
    points: list[SubmittedPoint] = []
    for metric, step in moves:
        ours = normalise_metric(metric, change.platform) or metric
        series = await repository.one_series(
            session, change.workspace_id, change.channel_id, ACCOUNT, ours, lock=True
        )
        latest = await repository.point_before(session, series.id) if series else None
        if latest is None:
            if metric == "cumulate_user":
                continue  # no total known yet: one more or less of nothing
            # A series' first value is only a baseline: start it at 0 just before, so
            # that this first follow counts as gained.
            points.append(_point(change, metric, 0, at=change.occurred_at - BASELINE))
            points.append(_point(change, metric, step, at=change.occurred_at))
            continue
        at = max(change.occurred_at, latest.observed_at)
        points.append(_point(change, metric, max(latest.value + step, 0), at=at))
    points = [replace(p, where=n) for n, p in enumerate(points)]
    resolution = await resolve(session, change.workspace_id, points)
    for problem in resolution.problems:  # a channel metrics-svc has not heard of yet
        log.warning("follow_left_out", channel_id=change.channel_id, reason=problem.reason)
    writer = BatchWriter(session, change.workspace_id, "platform")
    await writer.add(resolution.observations)
    await writer.finish(received=len(points), duplicates=resolution.duplicates)
