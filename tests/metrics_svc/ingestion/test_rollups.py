"""The rollups' two writers, one per database, hold the same rows for the same figures; and
figures sent a batch at a time (late and corrected ones among them, a copy re-dated at the
end) leave the rollups as if the final figures had been sent at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from metrics_svc.ingestion.rollups.postgres import PostgresWriter
from metrics_svc.ingestion.rollups.sqlite import SqliteWriter
from metrics_svc.ingestion.rollups.store import redate, store, writer_for
from metrics_svc.ingestion.validation import Observation
from metrics_svc.models import (
    ACCOUNT,
    Base,
    BenchmarkCheckpoint,
    ChannelDailyRollup,
    DailyRollup,
    HourlyRollup,
    Series,
    StatPoint,
)
from servicekit.db import Database
from sqlalchemy import select

WORKSPACE = "ws-rollups"
POST, OTHER = "post-1", "post-2"
MAIN, SECOND = "channel-a", "channel-b"
PUBLISHED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
WENT_LIVE = PUBLISHED - timedelta(hours=3)  # when the copy on MAIN really went live
H = timedelta(hours=1)


def figure(
    metric: str, hours: float, value: int, *, post: str = POST, channel: str = MAIN
) -> Observation:
    return Observation(
        channel_id=channel,
        post_id=post,
        metric=metric,
        observed_at=PUBLISHED + hours * H,
        value=value,
        source="test",
        published_at=None if post == ACCOUNT else PUBLISHED,
    )


# Batches as they arrive: appends, a late figure in an hour and a day already rolled up, a
# correction, a repeat, an account's figures with a late first one, a second channel.
BATCHES: list[list[Observation]] = [
    [
        figure("reads", 0.5, 100),
        figure("reads", 0.9, 180),
        figure("reads", 3, 900),
        figure("likes", 3, 40),
        figure("reads", 2, 300, channel=SECOND),
        figure("followers", 1, 10_000, post=ACCOUNT),
        figure("followers", 20, 10_050, post=ACCOUNT),
    ],
    [
        figure("reads", 5, 1_400),
        figure("reads", 30, 3_000),
        figure("reads", 50, 4_100),
        figure("reads", 49, 3_800, post=OTHER),
        figure("reads", 3, 1_000, channel=SECOND),
        figure("followers", 45, 9_900, post=ACCOUNT),
    ],
    [
        figure("reads", 2, 500),  # late: between figures already rolled up
        figure("reads", 26, 2_600),  # late, in a day already rolled up
        figure("likes", 1, 10),  # late, before the first
        figure("followers", -5, 9_990, post=ACCOUNT),  # late, before the account's first
    ],
    [
        figure("reads", 3, 950),  # a correction
        figure("reads", 30, 3_000),  # a repeat
        figure("likes", 200, 90),
    ],
]


def final_figures() -> list[Observation]:
    """The figures as they stand after every batch: later values win."""
    final: dict[tuple[str, str, str, datetime], Observation] = {}
    for batch in BATCHES:
        for obs in batch:
            final[(*obs.series_key, obs.observed_at)] = obs
    return list(final.values())


async def stored(url: str, batches: Sequence[Sequence[Observation]]) -> dict[str, Any]:
    """Store `batches` one transaction each, re-date the copy on MAIN, and return every
    row the rollups hold, by natural keys (ids and batch ids left out)."""
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        for observations in batches:
            async with db.transaction() as session:
                wanted = PostgresWriter if url.startswith("postgresql") else SqliteWriter
                assert type(writer_for(session)) is wanted
                await store(session, WORKSPACE, str(uuid.uuid4()), observations)
        async with db.transaction() as session:
            await redate(session, WORKSPACE, POST, MAIN, WENT_LIVE)
        async with db.transaction(read_only=True) as session:
            return await _rows(session)
    finally:
        await db.dispose()


async def _rows(session: Any) -> dict[str, Any]:
    series = {s.id: s for s in await session.scalars(select(Series))}
    key = {sid: (s.channel_id, s.post_id, s.metric) for sid, s in series.items()}
    return {
        "series": {
            key[sid]: (s.latest_value, s.latest_observed_at, s.published_at)
            for sid, s in series.items()
        },
        "points": {
            (key[p.series_id], p.observed_at): (p.value, p.source)
            for p in await session.scalars(select(StatPoint))
        },
        "hourly": {
            (key[r.series_id], r.bucket): (r.value, r.gain, r.observed_at)
            for r in await session.scalars(select(HourlyRollup))
        },
        "daily": {
            (key[r.series_id], r.bucket): (r.value, r.gain, r.observed_at)
            for r in await session.scalars(select(DailyRollup))
        },
        # A day whose gains cancelled out may keep a row of 0 after a correction.
        "channel_days": {
            (r.workspace_id, r.day, r.channel_id, r.metric, r.account): r.gain
            for r in await session.scalars(select(ChannelDailyRollup))
            if r.gain != 0
        },
        "checkpoints": {
            (key[r.series_id], r.age_hours): (r.value, r.observed_at, r.published_at)
            for r in await session.scalars(select(BenchmarkCheckpoint))
        },
    }


async def test_the_sqlite_and_postgresql_writers_store_the_same_rows(
    database_url: str, tmp_path: Path
) -> None:
    here = await stored(database_url, BATCHES)
    on_sqlite = await stored(f"sqlite+aiosqlite:///{tmp_path}/reference.db", BATCHES)
    assert here == on_sqlite
    # The figures are there as sent, and the re-dated copy counts its ages from its time.
    assert here["series"][(MAIN, POST, "reads")] == (4_100, PUBLISHED + 50 * H, WENT_LIVE)
    assert here["points"][((MAIN, POST, "reads"), PUBLISHED + 3 * H)] == (950, "test")
    assert here["checkpoints"][((MAIN, POST, "reads"), 6)] == (950, PUBLISHED + 3 * H, WENT_LIVE)


async def test_figures_a_batch_at_a_time_end_as_if_sent_at_once(
    database_url: str, tmp_path: Path
) -> None:
    at_once = await stored(f"sqlite+aiosqlite:///{tmp_path}/at-once.db", [final_figures()])
    assert await stored(database_url, BATCHES) == at_once


@pytest.mark.xfail(
    strict=True,
    reason="known gap, kept as it is: an appended figure sets the ages it reaches, but the "
    "ages between the series' last figure and it keep no value (sent at once, they hold the "
    "last figure before them), so the post is no peer at those ages",
)
async def test_a_figure_past_several_ages_leaves_the_ages_it_passed_with_the_last_value(
    tmp_path: Path,
) -> None:
    batches = [
        [figure("reads", 2, 300, channel=SECOND)],
        [figure("reads", 80, 1_000, channel=SECOND)],
    ]
    at_once = await stored(f"sqlite+aiosqlite:///{tmp_path}/at-once.db", [sum(batches, [])])
    in_batches = await stored(f"sqlite+aiosqlite:///{tmp_path}/batches.db", batches)
    assert in_batches["checkpoints"] == at_once["checkpoints"]
