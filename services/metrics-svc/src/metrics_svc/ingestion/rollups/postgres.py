"""The PostgreSQL writer: each rollup upserted by one statement over arrays (one round trip,
no per-row parameter processing), raw points by COPY, both through the asyncpg connection
under the session, inside its transaction. The same upserts as the SQLite writer's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from metrics_svc.ingestion.rollups.gains import Bucket, Changes
from metrics_svc.ingestion.rollups.writers import RollupWriter, Row, channel_rows
from metrics_svc.models import DailyRollup, HourlyRollup, StatPoint

_BUCKETS = """
INSERT INTO {table} AS r (series_id, bucket, value, gain, observed_at)
SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[],
                     $5::timestamptz[])
ON CONFLICT (series_id, bucket) DO UPDATE
SET value = excluded.value, observed_at = excluded.observed_at, gain = r.gain + excluded.gain
"""
_CHANNEL = """
INSERT INTO rollup_channel_daily AS r (workspace_id, day, channel_id, metric, account, gain)
SELECT $1::varchar, * FROM unnest($2::timestamptz[], $3::varchar[], $4::varchar[],
                                  $5::boolean[], $6::bigint[])
ON CONFLICT (workspace_id, day, channel_id, metric, account) DO UPDATE
SET gain = r.gain + excluded.gain
"""
_CHECKPOINTS = """
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
_LATEST = """
UPDATE series SET latest_value = u.value, latest_observed_at = u.observed_at
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS u(id, value, observed_at)
WHERE series.id = u.id
"""
_CHANNEL_COLUMNS = ("day", "channel_id", "metric", "account", "gain")
_POINT_COLUMNS = ("workspace_id", "series_id", "observed_at", "value", "source", "batch_id")


def _columns(rows: Sequence[Row], names: Sequence[str]) -> list[list[Any]]:
    """The rows as one array per column, for unnest()."""
    return [[row[name] for row in rows] for name in names]


def _bucket_columns(buckets: dict[tuple[int, datetime], Bucket]) -> list[list[Any]]:
    """Series ids, starts, values, gains, times: the buckets as arrays for unnest()."""
    keys, values = buckets.keys(), buckets.values()
    return [
        [sid for sid, _ in keys],
        [start for _, start in keys],
        [b[0] for b in values],
        [b[1] for b in values],
        [b[2] for b in values],
    ]


def _checkpoint_columns(changes: Changes) -> list[list[Any]]:
    keys, values = changes.checkpoints.keys(), changes.checkpoints.values()
    series = [s for s, _, _ in values]
    return [
        [sid for sid, _ in keys],
        [age for _, age in keys],
        [s.channel_id for s in series],
        [s.post_id for s in series],
        [s.metric for s in series],
        [s.published_at for s in series],
        [value for _, value, _ in values],
        [at for _, _, at in values],
    ]


class PostgresWriter(RollupWriter):
    async def _driver(self) -> Any:
        """The asyncpg connection under the session, inside the session's transaction."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def insert_points(self, rows: list[Row]) -> None:
        driver = await self._driver()
        await driver.copy_records_to_table(
            StatPoint.__tablename__,
            records=list(map(itemgetter(*_POINT_COLUMNS), rows)),
            columns=list(_POINT_COLUMNS),
        )

    async def write(self, workspace_id: str, changes: Changes) -> None:
        driver = await self._driver()
        for model, buckets in ((HourlyRollup, changes.hourly), (DailyRollup, changes.daily)):
            if buckets:
                await driver.execute(
                    _BUCKETS.format(table=model.__tablename__), *_bucket_columns(buckets)
                )
        if rows := channel_rows(workspace_id, changes):
            await driver.execute(_CHANNEL, workspace_id, *_columns(rows, _CHANNEL_COLUMNS))
        if changes.checkpoints:
            await driver.execute(_CHECKPOINTS, workspace_id, *_checkpoint_columns(changes))
        if changes.latest:
            latest = [(sid, v, t) for sid, (v, t) in changes.latest.items()]
            await driver.execute(_LATEST, *(list(column) for column in zip(*latest, strict=True)))
