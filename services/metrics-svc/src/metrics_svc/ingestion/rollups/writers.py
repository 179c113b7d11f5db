"""Writing what the algorithm computed: the part every database writes the same way, and
the rows the database-specific writers (`sqlite`, `postgres`) upsert in their own way."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion.rollups.gains import Bucket, Buckets, Changes
from metrics_svc.models import BenchmarkCheckpoint, DailyRollup, HourlyRollup, StatPoint

Row = dict[str, Any]


def bucket_rows(buckets: Mapping[tuple[int, datetime], Bucket]) -> list[Row]:
    """Rows of `rollup_hourly` or `rollup_daily`."""
    return [
        {"series_id": sid, "bucket": start, "value": value, "gain": gain, "observed_at": at}
        for (sid, start), (value, gain, at) in buckets.items()
    ]


def channel_rows(workspace_id: str, changes: Changes) -> list[Row]:
    """Gains to add to `rollup_channel_daily` (days that gained nothing are left alone)."""
    return [
        {
            "workspace_id": workspace_id,
            "day": day,
            "channel_id": channel_id,
            "metric": metric,
            "account": account,
            "gain": gain,
        }
        for (day, channel_id, metric, account), gain in changes.channel.items()
        if gain != 0
    ]


def checkpoint_rows(workspace_id: str, changes: Changes) -> list[Row]:
    """Rows of `benchmark_checkpoints`."""
    return [
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
    ]


class RollupWriter(ABC):
    """Writes raw points and rollups in the session's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @abstractmethod
    async def insert_points(self, rows: list[Row]) -> None:
        """New raw points (`stat_points` rows without their id)."""

    @abstractmethod
    async def write(self, workspace_id: str, changes: Changes) -> None:
        """Upsert the changes: buckets take the new last value and add the gain, the
        channel's days add the gain, checkpoints take the value, series their latest."""

    async def correct_points(self, rows: list[Row]) -> None:
        """Stored raw points with another value (rows with their id)."""
        await self.session.execute(update(StatPoint), rows)

    async def replace_buckets(
        self, series_id: int, start: datetime, hourly: Buckets, daily: Buckets
    ) -> None:
        """A rebuilt series' buckets from `start` on, in place of those it had."""
        for model, rebuilt in ((HourlyRollup, hourly), (DailyRollup, daily)):
            await self.session.execute(
                delete(model).where(model.series_id == series_id, model.bucket >= start)
            )
            if rebuilt:
                rows = bucket_rows({(series_id, bucket): v for bucket, v in rebuilt.items()})
                await self.session.execute(insert(model), rows)

    async def forget_checkpoints(self, series_id: int) -> None:
        await self.session.execute(
            delete(BenchmarkCheckpoint).where(BenchmarkCheckpoint.series_id == series_id)
        )
