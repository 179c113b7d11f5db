"""Events that are counted (tracked-link clicks, reported conversions) joining the
cumulative model of platform figures.

Platforms report cumulative snapshots; a click or a conversion is one event. Each event is
kept once (by its id) in its own table, and the post's series on the channel (`clicks` or
`conversions`) gets one cumulative point per UTC hour that saw events: the point at the
hour's start holds the number of events up to the end of that hour. Hourly points keep raw
points bounded (at most 24 a day per series, however many clicks), and the rollups,
benchmarks, curves and reports treat them like any platform figure.

An event arriving late (its hour is before the series' newest point) raises every later
point by one: those points are resent as corrections and the rollups are rebuilt from
that day, which the ingestion already does for late platform figures.

The series is the events' own: for a post whose links are tracked on a channel, the
tracked count *is* its `clicks` figure there (a platform's own `clicks` snapshot for the
same post and channel would be overwritten from the hour of the next click on).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import repository
from metrics_svc.ingestion.rollups.store import store
from metrics_svc.ingestion.validation import Observation
from metrics_svc.kit.dates import hour_floor
from metrics_svc.models import Post, PostChannel

HOUR = timedelta(hours=1)
SOURCES = {"clicks": "tracked_links", "conversions": "conversions"}


async def ensure_placement(
    session: AsyncSession,
    workspace_id: str,
    post_id: str,
    channel_id: str,
    platform: str | None,
    at: datetime,
) -> PostChannel:
    """The post on the channel; a placeholder when its events have not arrived yet (topics
    are not ordered between them), as `distribution.succeeded` does."""
    placement = await session.get(PostChannel, (workspace_id, post_id, channel_id))
    if placement is not None:
        return placement
    if await session.get(Post, (workspace_id, post_id)) is None:
        session.add(Post(workspace_id=workspace_id, id=post_id, published_at=at))
        await session.flush()
    placement = PostChannel(
        workspace_id=workspace_id,
        post_id=post_id,
        channel_id=channel_id,
        platform=platform,
        published_at=at,
    )
    session.add(placement)
    await session.flush()
    return placement


async def recount(session: AsyncSession, placement: PostChannel, metric: str, at: datetime) -> None:
    """Rewrite the series' hourly points from the hour of `at` on from the stored events."""
    start = hour_floor(at)
    before, times = await repository.counted_events(session, metric, placement, start)
    per_hour = Counter(hour_floor(t) for t in times)
    series = await repository.one_series(
        session, placement.workspace_id, placement.channel_id, placement.post_id, metric
    )
    hours = set(per_hour)
    if series is not None:
        hours |= set(await repository.point_times_since(session, series.id, start))
    running = before
    observations = []
    for hour in sorted(hours):
        running += per_hour.get(hour, 0)
        observations.append(
            Observation(
                channel_id=placement.channel_id,
                post_id=placement.post_id,
                metric=metric,
                observed_at=hour,
                value=running,
                source=SOURCES[metric],
                published_at=placement.published_at,
            )
        )
    await store(session, placement.workspace_id, str(uuid.uuid4()), observations)
