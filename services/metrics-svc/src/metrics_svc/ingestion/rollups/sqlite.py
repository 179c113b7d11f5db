"""The SQLite writer: SQLAlchemy's upserts (`INSERT ... ON CONFLICT DO UPDATE`)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.dialects import sqlite

from metrics_svc.ingestion.rollups.gains import Changes
from metrics_svc.ingestion.rollups.writers import (
    RollupWriter,
    Row,
    bucket_rows,
    channel_rows,
    checkpoint_rows,
)
from metrics_svc.models import (
    BenchmarkCheckpoint,
    ChannelDailyRollup,
    DailyRollup,
    HourlyRollup,
    Series,
    StatPoint,
)


class SqliteWriter(RollupWriter):
    async def insert_points(self, rows: list[Row]) -> None:
        await self.session.execute(insert(StatPoint), rows)

    async def write(self, workspace_id: str, changes: Changes) -> None:
        for model, buckets in ((HourlyRollup, changes.hourly), (DailyRollup, changes.daily)):
            if buckets:
                stmt = sqlite.insert(model)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["series_id", "bucket"],
                    set_={
                        "value": stmt.excluded.value,
                        "observed_at": stmt.excluded.observed_at,
                        "gain": model.gain + stmt.excluded.gain,
                    },
                )
                await self.session.execute(stmt, bucket_rows(buckets))
        if rows := channel_rows(workspace_id, changes):
            stmt = sqlite.insert(ChannelDailyRollup)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "day", "channel_id", "metric", "account"],
                set_={"gain": ChannelDailyRollup.gain + stmt.excluded.gain},
            )
            await self.session.execute(stmt, rows)
        if changes.checkpoints:
            stmt = sqlite.insert(BenchmarkCheckpoint)
            stmt = stmt.on_conflict_do_update(
                index_elements=["series_id", "age_hours"],
                set_={"value": stmt.excluded.value, "observed_at": stmt.excluded.observed_at},
            )
            await self.session.execute(stmt, checkpoint_rows(workspace_id, changes))
        if changes.latest:
            table = cast(Table, Series.__table__)
            await self.session.execute(
                update(table)
                .where(table.c.id == bindparam("sid"))
                .values(latest_value=bindparam("v"), latest_observed_at=bindparam("t")),
                [{"sid": sid, "v": v, "t": t} for sid, (v, t) in changes.latest.items()],
            )
