"""Figures channel-svc pulled from a platform (`platform.figures.collected`), stored as
`POST /stats` stores a batch: resolved the same way, written by the same `BatchWriter`,
announced by the same `stats.ingested`.

Two differences, both because nobody is there to correct a refused point: a point that
names a post or channel metrics-svc does not know (yet) is left out and logged, not the
whole collection refused; the next collection, which pulls the same days again, brings it.
And a platform's figure of one day (WeChat's `new_user`, `cancel_user`) becomes the running
total our series keep: the series' value before that day plus the day's figure. Pulling the
same days again gives the same totals at the same times, so nothing changes.

A platform that says on which of its days a post went out (WeChat's `ref_date`) dates a
copy we recorded as going out after that day, its success confirmed late, to the day's
start: its figures of that day then count from there, not before it went out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import structlog
from event_contracts import CollectedFigure, FiguresCollectedV1
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import repository
from metrics_svc.ingestion.batches import BatchWriter
from metrics_svc.ingestion.rollups.store import redate
from metrics_svc.ingestion.schemas import StatBatchRead
from metrics_svc.ingestion.validation import SubmittedPoint, resolve
from metrics_svc.models import ACCOUNT, PostChannel
from metrics_svc.vocabulary import normalise_metric

log = structlog.get_logger(__name__)

DAY = timedelta(days=1)


def _point(where: int, event: FiguresCollectedV1, figure: CollectedFigure) -> SubmittedPoint:
    return SubmittedPoint(
        where=where,
        metric=figure.metric,
        value=figure.value,
        observed_at=figure.observed_at,
        source=event.source,
        post_id=figure.post_id,
        channel_id=event.channel_id,
        platform=event.platform,
    )


async def _running_totals(
    session: AsyncSession, event: FiguresCollectedV1, dailies: list[CollectedFigure]
) -> list[SubmittedPoint]:
    """Each day's figure as the series' running total at the end of that day. A series
    that has no value before the first day starts at 0 at that day's start, so that the
    first day's figure counts as gained (an account's first value is only a baseline)."""
    groups: dict[tuple[str, str], list[CollectedFigure]] = defaultdict(list)
    for figure in dailies:
        groups[(figure.post_id or ACCOUNT, figure.metric)].append(figure)
    points: list[SubmittedPoint] = []
    for (post_id, metric), figures in groups.items():
        figures.sort(key=lambda f: f.observed_at)
        ours = normalise_metric(metric, event.platform) or metric
        series = await repository.one_series(
            session, event.workspace_id, event.channel_id, post_id, ours
        )
        start = figures[0].observed_at - DAY + timedelta(seconds=1)
        before = (
            await repository.point_before(session, series.id, start) if series is not None else None
        )
        total = before.value if before is not None else 0
        if before is None:
            points.append(replace(_point(0, event, figures[0]), value=0, observed_at=start))
        for figure in figures:
            total += figure.value
            points.append(replace(_point(0, event, figure), value=total))
    return points


async def _date_by_platform(session: AsyncSession, event: FiguresCollectedV1) -> None:
    """Copies recorded as going out after the platform's day they went out on, dated to
    that day's start."""
    days = {f.post_id: f.went_out_day_start for f in event.figures if f.went_out_day_start}
    for post_id, day_start in days.items():
        if post_id is None or day_start is None:
            continue
        copy = await session.get(PostChannel, (event.workspace_id, post_id, event.channel_id))
        if copy is None or copy.published_at < day_start + DAY:
            continue
        log.info("copy_dated_by_platform", post_id=post_id, was=copy.published_at, to=day_start)
        copy.published_at = day_start
        await redate(session, event.workspace_id, post_id, event.channel_id, day_start)


async def store_collected(session: AsyncSession, event: FiguresCollectedV1) -> StatBatchRead:
    """Store what a collection brought; what cannot be placed is left out and logged."""
    await _date_by_platform(session, event)
    points = [_point(0, event, f) for f in event.figures if not f.daily]
    points += await _running_totals(session, event, [f for f in event.figures if f.daily])
    points = [replace(p, where=n) for n, p in enumerate(points)]
    resolution = await resolve(session, event.workspace_id, points)
    for problem in resolution.problems:
        log.warning(
            "collected_figure_left_out",
            channel_id=event.channel_id,
            collection_id=event.collection_id,
            field=problem.field,
            reason=problem.reason,
        )
    writer = BatchWriter(session, event.workspace_id, "platform")
    await writer.add(resolution.observations)
    return await writer.finish(received=len(points), duplicates=resolution.duplicates)


async def apply_collected(session: AsyncSession, event: FiguresCollectedV1) -> None:
    """The consumer's effect (the runner records the event id in the same transaction)."""
    await store_collected(session, event)
