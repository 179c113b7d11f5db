"""Storing observations and keeping the rollups right, in the caller's transaction.

Values are cumulative snapshots. For each series, a new observation's *gain* is its value
minus the previous observation's (the first observation of a post gains its whole value;
the first of an account gains nothing, as the baseline is unknown). Gains are summed into
the hourly and daily rollups of the series and into the channel's daily rollup, and each
bucket keeps the last value seen in it.

Observations newer than everything stored (the usual case) are appended from the series'
latest value alone. A late or corrected observation makes the series be rebuilt from the
raw points of its day onwards (rare, and bounded by one series).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from metrics_svc.ingestion.validation import Observation
from metrics_svc.kit import chunked, day_floor, dialect_insert, hour_floor
from metrics_svc.models import (
    ACCOUNT,
    BenchmarkCheckpoint,
    ChannelDailyRollup,
    DailyRollup,
    HourlyRollup,
    Series,
    StatPoint,
)

# Ages (hours since publication) at which every post's figures are kept for benchmarks.
CHECKPOINTS: tuple[int, ...] = (1, 2, 4, 6, 12, 24, 48, 72, 120, 168, 336, 720)
_AGES = {age: timedelta(hours=age) for age in CHECKPOINTS}


@dataclass
class StoreResult:
    stored: int = 0
    unchanged: int = 0
    series: list[Series] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)  # the stored ones


@dataclass
class _Changes:
    hourly: dict[tuple[int, datetime], list[int]] = field(default_factory=dict)
    hourly_at: dict[tuple[int, datetime], datetime] = field(default_factory=dict)
    daily: dict[tuple[int, datetime], list[int]] = field(default_factory=dict)
    daily_at: dict[tuple[int, datetime], datetime] = field(default_factory=dict)
    channel: dict[tuple[datetime, str, str, bool], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    checkpoints: dict[tuple[int, int], tuple[Series, int, datetime]] = field(default_factory=dict)
    latest: dict[int, tuple[int, datetime]] = field(default_factory=dict)


def _locked(session: AsyncSession, query: Select[Any]) -> Select[Any]:
    """Concurrent batches touching the same series take turns (SQLite locks the whole file)."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update()
    return query


def _baseline(series: Series, first_value: int) -> int:
    return first_value if series.post_id == ACCOUNT else 0


async def _load_series(
    session: AsyncSession, workspace_id: str, observations: Sequence[Observation]
) -> dict[tuple[str, str, str], Series]:
    keys = {o.series_key for o in observations}
    found: dict[tuple[str, str, str], Series] = {}
    post_ids = sorted({k[1] for k in keys})
    channel_ids = sorted({k[0] for k in keys})
    for posts in chunked(post_ids, 500):
        for channels in chunked(channel_ids, 500):
            rows = await session.scalars(
                _locked(
                    session,
                    select(Series).where(
                        Series.workspace_id == workspace_id,
                        Series.post_id.in_(posts),
                        Series.channel_id.in_(channels),
                    ),
                )
            )
            for row in rows:
                key = (row.channel_id, row.post_id, row.metric)
                if key in keys:
                    found[key] = row
    missing = [k for k in keys if k not in found]
    if missing:
        published = {o.series_key: o.published_at for o in observations}
        await session.execute(
            dialect_insert(session, Series).on_conflict_do_nothing(),
            [
                {
                    "workspace_id": workspace_id,
                    "channel_id": c,
                    "post_id": p,
                    "metric": m,
                    "published_at": published[(c, p, m)],
                    "latest_value": 0,
                    "latest_observed_at": None,
                }
                for c, p, m in missing
            ],
        )
        for posts in chunked(sorted({k[1] for k in missing}), 500):
            rows = await session.scalars(
                _locked(
                    session,
                    select(Series).where(
                        Series.workspace_id == workspace_id, Series.post_id.in_(posts)
                    ),
                )
            )
            for row in rows:
                key = (row.channel_id, row.post_id, row.metric)
                if key in keys:
                    found[key] = row
    return found


async def _existing_points(
    session: AsyncSession, wanted: dict[int, list[datetime]]
) -> dict[tuple[int, datetime], StatPoint]:
    found: dict[tuple[int, datetime], StatPoint] = {}
    pairs = [(sid, at) for sid, ats in wanted.items() for at in ats]
    for chunk in chunked(pairs, 300):
        by_series: dict[int, list[datetime]] = defaultdict(list)
        for sid, at in chunk:
            by_series[sid].append(at)
        condition = or_(
            *(
                and_(StatPoint.series_id == sid, StatPoint.observed_at.in_(ats))
                for sid, ats in by_series.items()
            )
        )
        for row in await session.scalars(select(StatPoint).where(condition)):
            found[(row.series_id, row.observed_at)] = row
    return found


def _append(series: Series, points: list[Observation], changes: _Changes) -> None:
    """Observations all newer than the series' latest: add their gains."""
    previous = (
        series.latest_value
        if series.latest_observed_at is not None
        else _baseline(series, points[0].value)
    )
    sid = series.id
    channel_key = (series.channel_id, series.metric, series.post_id == ACCOUNT)
    hourly, hourly_at, daily, daily_at = (
        changes.hourly,
        changes.hourly_at,
        changes.daily,
        changes.daily_at,
    )
    for point in points:
        gain = point.value - previous
        previous = point.value
        at = point.observed_at
        utc = at.astimezone(UTC)
        hour = (sid, utc.replace(minute=0, second=0, microsecond=0))
        day = (sid, utc.replace(hour=0, minute=0, second=0, microsecond=0))
        bucket = hourly.setdefault(hour, [0, 0])
        bucket[0] = point.value
        bucket[1] += gain
        hourly_at[hour] = at
        bucket = daily.setdefault(day, [0, 0])
        bucket[0] = point.value
        bucket[1] += gain
        daily_at[day] = at
        changes.channel[(day[1], *channel_key)] += gain
    last = points[-1]
    changes.latest[series.id] = (last.value, last.observed_at)
    if series.published_at is not None:
        _checkpoints(series, points, changes, since=None)


def _checkpoints(
    series: Series, points: Sequence[Any], changes: _Changes, *, since: datetime | None
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


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


# PostgreSQL: each rollup is upserted by one statement over arrays (one round trip, no
# per-row parameter processing); the same upserts as the portable path below.
_PG_HOURLY = """
INSERT INTO {table} AS r (series_id, bucket, value, gain, observed_at)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[],
                     $5::timestamptz[])
ON CONFLICT (series_id, bucket) DO UPDATE
SET value = excluded.value, observed_at = excluded.observed_at, gain = r.gain + excluded.gain
"""
_PG_CHANNEL = """
INSERT INTO rollup_channel_daily AS r (workspace_id, day, channel_id, metric, account, gain)
SELECT $1::varchar, * FROM unnest($2::timestamptz[], $3::varchar[], $4::varchar[],
                                  $5::boolean[], $6::bigint[])
ON CONFLICT (workspace_id, day, channel_id, metric, account) DO UPDATE
SET gain = r.gain + excluded.gain
"""
_PG_CHECKPOINTS = """
INSERT INTO benchmark_checkpoints AS r
  (series_id, age_hours, workspace_id, channel_id, post_id, metric, published_at, value,
   observed_at)
SELECT u.series_id, u.age_hours, $1::varchar, u.channel_id, u.post_id, u.metric,
       u.published_at, u.value, u.observed_at
FROM unnest($2::bigint[], $3::int[], $4::varchar[], $5::varchar[], $6::varchar[],
            $7::timestamptz[], $8::bigint[], $9::timestamptz[])
  AS u(series_id, age_hours, channel_id, post_id, metric, published_at, value, observed_at)
ON CONFLICT (series_id, age_hours) DO UPDATE
SET value = excluded.value, observed_at = excluded.observed_at
"""
_PG_LATEST = """
UPDATE series SET latest_value = u.value, latest_observed_at = u.observed_at
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS u(id, value, observed_at)
WHERE series.id = u.id
"""


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


async def _flush_postgres(session: AsyncSession, workspace_id: str, changes: _Changes) -> None:
    driver = await _driver(session)
    for table, values, at in (
        (HourlyRollup.__tablename__, changes.hourly, changes.hourly_at),
        (DailyRollup.__tablename__, changes.daily, changes.daily_at),
    ):
        if values:
            await driver.execute(
                _PG_HOURLY.format(table=table),
                *_columns([(sid, b, v, g, at[(sid, b)]) for (sid, b), (v, g) in values.items()], 5),
            )
    channel = [
        (day, channel_id, metric, account, gain)
        for (day, channel_id, metric, account), gain in changes.channel.items()
        if gain != 0
    ]
    if channel:
        await driver.execute(_PG_CHANNEL, workspace_id, *_columns(channel, 5))
    if changes.checkpoints:
        rows = [
            (sid, age, s.channel_id, s.post_id, s.metric, s.published_at, value, at)
            for (sid, age), (s, value, at) in changes.checkpoints.items()
        ]
        await driver.execute(_PG_CHECKPOINTS, workspace_id, *_columns(rows, 8))
    if changes.latest:
        latest = [(sid, v, t) for sid, (v, t) in changes.latest.items()]
        await driver.execute(_PG_LATEST, *_columns(latest, 3))


async def _flush_changes(session: AsyncSession, workspace_id: str, changes: _Changes) -> None:
    if _is_postgres(session):
        await _flush_postgres(session, workspace_id, changes)
        return
    if changes.hourly:
        stmt = dialect_insert(session, HourlyRollup)
        stmt = stmt.on_conflict_do_update(
            index_elements=["series_id", "bucket"],
            set_={
                "value": stmt.excluded.value,
                "observed_at": stmt.excluded.observed_at,
                "gain": HourlyRollup.gain + stmt.excluded.gain,
            },
        )
        await session.execute(
            stmt,
            [
                {
                    "series_id": sid,
                    "bucket": b,
                    "value": v,
                    "gain": g,
                    "observed_at": changes.hourly_at[(sid, b)],
                }
                for (sid, b), (v, g) in changes.hourly.items()
            ],
        )
    if changes.daily:
        stmt = dialect_insert(session, DailyRollup)
        stmt = stmt.on_conflict_do_update(
            index_elements=["series_id", "bucket"],
            set_={
                "value": stmt.excluded.value,
                "observed_at": stmt.excluded.observed_at,
                "gain": DailyRollup.gain + stmt.excluded.gain,
            },
        )
        await session.execute(
            stmt,
            [
                {
                    "series_id": sid,
                    "bucket": b,
                    "value": v,
                    "gain": g,
                    "observed_at": changes.daily_at[(sid, b)],
                }
                for (sid, b), (v, g) in changes.daily.items()
            ],
        )
    rows = [
        {
            "workspace_id": workspace_id,
            "day": day,
            "channel_id": channel,
            "metric": metric,
            "account": account,
            "gain": gain,
        }
        for (day, channel, metric, account), gain in changes.channel.items()
        if gain != 0
    ]
    if rows:
        stmt = dialect_insert(session, ChannelDailyRollup)
        stmt = stmt.on_conflict_do_update(
            index_elements=["workspace_id", "day", "channel_id", "metric", "account"],
            set_={"gain": ChannelDailyRollup.gain + stmt.excluded.gain},
        )
        await session.execute(stmt, rows)
    if changes.checkpoints:
        stmt = dialect_insert(session, BenchmarkCheckpoint)
        stmt = stmt.on_conflict_do_update(
            index_elements=["series_id", "age_hours"],
            set_={"value": stmt.excluded.value, "observed_at": stmt.excluded.observed_at},
        )
        await session.execute(
            stmt,
            [
                {
                    "series_id": sid,
                    "age_hours": age,
                    "workspace_id": workspace_id,
                    "channel_id": series.channel_id,
                    "post_id": series.post_id,
                    "metric": series.metric,
                    "published_at": series.published_at,
                    "value": value,
                    "observed_at": at,
                }
                for (sid, age), (series, value, at) in changes.checkpoints.items()
            ],
        )
    if changes.latest:
        table = cast(Table, Series.__table__)
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("sid"))
            .values(latest_value=bindparam("v"), latest_observed_at=bindparam("t")),
            [{"sid": sid, "v": v, "t": t} for sid, (v, t) in changes.latest.items()],
        )


async def _rebuild(
    session: AsyncSession, series: Series, since: datetime, changes: _Changes
) -> None:
    """Recompute the rollups of `series` from the raw points of the day of `since` on."""
    start = day_floor(since)
    before = await session.scalar(
        select(StatPoint)
        .where(StatPoint.series_id == series.id, StatPoint.observed_at < start)
        .order_by(StatPoint.observed_at.desc())
        .limit(1)
    )
    points = list(
        await session.scalars(
            select(StatPoint)
            .where(StatPoint.series_id == series.id, StatPoint.observed_at >= start)
            .order_by(StatPoint.observed_at)
        )
    )
    old_daily = {
        row.bucket: row.gain
        for row in await session.scalars(
            select(DailyRollup).where(
                DailyRollup.series_id == series.id, DailyRollup.bucket >= start
            )
        )
    }
    await session.execute(
        delete(HourlyRollup).where(
            HourlyRollup.series_id == series.id, HourlyRollup.bucket >= start
        )
    )
    await session.execute(
        delete(DailyRollup).where(DailyRollup.series_id == series.id, DailyRollup.bucket >= start)
    )
    previous = before.value if before is not None else _baseline(series, points[0].value)
    hourly: dict[datetime, list[int]] = {}
    hourly_at: dict[datetime, datetime] = {}
    daily: dict[datetime, list[int]] = {}
    daily_at: dict[datetime, datetime] = {}
    for point in points:
        gain = point.value - previous
        previous = point.value
        hour, day = hour_floor(point.observed_at), day_floor(point.observed_at)
        hourly.setdefault(hour, [0, 0])
        hourly[hour][0] = point.value
        hourly[hour][1] += gain
        hourly_at[hour] = point.observed_at
        daily.setdefault(day, [0, 0])
        daily[day][0] = point.value
        daily[day][1] += gain
        daily_at[day] = point.observed_at
    if hourly:
        await session.execute(
            insert(HourlyRollup),
            [
                {
                    "series_id": series.id,
                    "bucket": b,
                    "value": v,
                    "gain": g,
                    "observed_at": hourly_at[b],
                }
                for b, (v, g) in hourly.items()
            ],
        )
        await session.execute(
            insert(DailyRollup),
            [
                {
                    "series_id": series.id,
                    "bucket": b,
                    "value": v,
                    "gain": g,
                    "observed_at": daily_at[b],
                }
                for b, (v, g) in daily.items()
            ],
        )
    account = series.post_id == ACCOUNT
    for day in set(old_daily) | set(daily):
        diff = (daily[day][1] if day in daily else 0) - old_daily.get(day, 0)
        changes.channel[(day, series.channel_id, series.metric, account)] += diff
    everything = ([before] if before is not None else []) + points
    last = everything[-1]
    changes.latest[series.id] = (last.value, last.observed_at)
    if series.published_at is not None:
        _checkpoints(series, everything, changes, since=start)


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
    series_by_key = await _load_series(session, workspace_id, observations)
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
    existing = await _existing_points(session, wanted) if wanted else {}

    new_rows: list[dict[str, object]] = []
    corrections: list[dict[str, object]] = []
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
        await insert_points(session, new_rows)
    if corrections:
        await session.execute(update(StatPoint), corrections)
    changes = _Changes()
    for sid, points in append.items():
        _append(by_id[sid], points, changes)
    for sid, since in rebuild.items():
        await _rebuild(session, by_id[sid], since, changes)
    await _flush_changes(session, workspace_id, changes)
    if changes.latest:
        for sid, (value, at) in changes.latest.items():
            set_committed_value(by_id[sid], "latest_value", value)
            set_committed_value(by_id[sid], "latest_observed_at", at)
    return result


async def redate(
    session: AsyncSession, workspace_id: str, post_id: str, channel_id: str, published_at: datetime
) -> None:
    """The post went live on the channel at another time than first known (a manual copy
    completed later): its series count their ages from it, and their checkpoints move."""
    series = list(
        await session.scalars(
            _locked(
                session,
                select(Series).where(
                    Series.workspace_id == workspace_id,
                    Series.post_id == post_id,
                    Series.channel_id == channel_id,
                ),
            )
        )
    )
    changes = _Changes()
    for row in series:
        if row.published_at == published_at:
            continue
        row.published_at = published_at
        await session.execute(
            delete(BenchmarkCheckpoint).where(BenchmarkCheckpoint.series_id == row.id)
        )
        points = list(
            await session.scalars(
                select(StatPoint)
                .where(StatPoint.series_id == row.id)
                .order_by(StatPoint.observed_at)
            )
        )
        if points:
            _checkpoints(row, points, changes, since=None)
    await session.flush()
    await _flush_changes(session, workspace_id, changes)


async def insert_points(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Raw points: COPY on PostgreSQL (inside the request's transaction), INSERT elsewhere."""
    if not _is_postgres(session):
        await session.execute(insert(StatPoint), rows)
        return
    driver = await _driver(session)
    await driver.copy_records_to_table(
        StatPoint.__tablename__,
        records=[tuple(row[c] for c in _POINT_COLUMNS) for row in rows],
        columns=list(_POINT_COLUMNS),
    )


_POINT_COLUMNS = ("workspace_id", "series_id", "observed_at", "value", "source", "batch_id")
