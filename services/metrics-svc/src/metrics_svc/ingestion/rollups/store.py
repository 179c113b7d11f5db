"""Storing a slice of observations: which are new, repeated, corrections or late, what is
read for them, and the rollups' changes handed to the database's writer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from servicekit.db import is_postgres
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from metrics_svc.ingestion import repository
from metrics_svc.ingestion.rollups import gains
from metrics_svc.ingestion.rollups.postgres import PostgresWriter
from metrics_svc.ingestion.rollups.sqlite import SqliteWriter
from metrics_svc.ingestion.rollups.writers import RollupWriter, Row
from metrics_svc.ingestion.validation import Observation
from metrics_svc.kit.dates import day_floor
from metrics_svc.models import Series


@dataclass
class StoreResult:
    stored: int = 0
    unchanged: int = 0
    series: list[Series] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)  # the stored ones


def writer_for(session: AsyncSession) -> RollupWriter:
    """The writer of the session's database."""
    return PostgresWriter(session) if is_postgres(session) else SqliteWriter(session)


async def _rebuild(
    writer: RollupWriter, series: Series, since: datetime, changes: gains.Changes
) -> None:
    """Recompute the rollups of `series` from the raw points of the day of `since` on."""
    session = writer.session
    start = day_floor(since)
    before = await repository.point_before(session, series.id, start)
    points = await repository.points_since(session, series.id, start)
    old_daily = await repository.daily_gains_since(session, series.id, start)
    hourly, daily = gains.rebuild(series, before, points, old_daily, changes, since=start)
    await writer.replace_buckets(series.id, start, hourly, daily)


async def store(
    session: AsyncSession,
    workspace_id: str,
    batch_id: str,
    observations: Sequence[Observation],
) -> StoreResult:
    """Store the observations that are new or corrected, and update every rollup."""
    result = StoreResult()
    if not observations:
        return result
    writer = writer_for(session)
    series_by_key = await repository.series_for(
        session, workspace_id, {o.series_key: o.published_at for o in observations}
    )
    grouped: dict[int, list[Observation]] = defaultdict(list)
    for obs in observations:
        grouped[series_by_key[obs.series_key].id].append(obs)
    by_id = {s.id: s for s in series_by_key.values()}

    # Observations not newer than the series' latest may repeat stored ones.
    wanted: dict[int, list[datetime]] = {}
    for sid, points in grouped.items():
        points.sort(key=lambda o: o.observed_at)
        latest = by_id[sid].latest_observed_at
        if latest is not None and points[0].observed_at <= latest:
            wanted[sid] = [p.observed_at for p in points if p.observed_at <= latest]
    existing = await repository.stored_points(session, wanted) if wanted else {}

    new_rows: list[Row] = []
    corrections: list[Row] = []
    rebuild: dict[int, datetime] = {}
    append: dict[int, list[Observation]] = {}
    for sid, points in grouped.items():
        series = by_id[sid]
        latest = series.latest_observed_at
        fresh: list[Observation] = []
        for point in points:
            stored = existing.get((sid, point.observed_at))
            if stored is not None:
                if stored.value == point.value:
                    result.unchanged += 1
                    continue
                corrections.append(
                    {
                        "id": stored.id,
                        "value": point.value,
                        "source": point.source,
                        "batch_id": batch_id,
                    }
                )
            else:
                new_rows.append(
                    {
                        "workspace_id": workspace_id,
                        "series_id": sid,
                        "observed_at": point.observed_at,
                        "value": point.value,
                        "source": point.source,
                        "batch_id": batch_id,
                    }
                )
            fresh.append(point)
        result.observations.extend(fresh)
        if not fresh:
            continue
        result.stored += len(fresh)
        result.series.append(series)
        if latest is not None and fresh[0].observed_at <= latest:
            rebuild[sid] = fresh[0].observed_at
        else:
            append[sid] = fresh

    if new_rows:
        await writer.insert_points(new_rows)
    if corrections:
        await writer.correct_points(corrections)
    changes = gains.Changes()
    for sid, points in append.items():
        gains.append(by_id[sid], points, changes)
    for sid, since in rebuild.items():
        await _rebuild(writer, by_id[sid], since, changes)
    await writer.write(workspace_id, changes)
    for sid, (value, at) in changes.latest.items():
        set_committed_value(by_id[sid], "latest_value", value)
        set_committed_value(by_id[sid], "latest_observed_at", at)
    return result


async def redate(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str, published_at: datetime
) -> None:
    """The post went live on the channel at another time than first known (a manual copy
    completed later): its series count their ages from it, and their checkpoints move."""
    writer = writer_for(session)
    changes = gains.Changes()
    for row in await repository.series_of_copy(session, workspace_id, post_id, channel_id):
        if row.published_at == published_at:
            continue
        row.published_at = published_at
        await writer.forget_checkpoints(row.id)
        points = await repository.points_since(session, row.id)
        if points:
            gains.checkpoints(row, points, changes, since=None)
    await session.flush()
    await writer.write(workspace_id, changes)
