"""A stored batch: its figures written in slices, then its summary, with each touched
post's totals and verdict, and `stats.ingested` for the other services."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from event_contracts import PostTotals, StatsIngestedV1
from servicekit.db import call_after_commit, utcnow
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts.raising import mark_due
from metrics_svc.events import emit
from metrics_svc.ingestion import history, repository
from metrics_svc.ingestion.history import HistoricalCopy
from metrics_svc.ingestion.rollups.store import store
from metrics_svc.ingestion.schemas import BatchPostTotals, StatBatchRead
from metrics_svc.ingestion.validation import Observation
from metrics_svc.kit.chunks import chunked
from metrics_svc.models import ACCOUNT, Series, StatBatch
from metrics_svc.reports.benchmark import benchmarks
from metrics_svc.telemetry import STATS_POINTS_INGESTED

# Posts (and channels) one stats.ingested names at most. A post costs at most about 450
# bytes (its id twice, eight metrics, a verdict), so 500 make under 256 KiB: half of
# MAX_EVENT_BYTES, whatever the figures.
POSTS_PER_EVENT = 500


class BatchWriter:
    """Stores a batch in slices (all in the caller's transaction) and sums up at the end."""

    def __init__(self, session: AsyncSession, workspace_id: str, kind: str) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.kind = kind
        self.batch_id = str(uuid.uuid4())
        self.stored = 0
        self.unchanged = 0
        self.touched: dict[int, Series] = {}
        self.period_start: datetime | None = None
        self.period_end: datetime | None = None
        self.recorded: list[str] = []

    async def add(
        self, observations: Sequence[Observation], copies: Sequence[HistoricalCopy] = ()
    ) -> None:
        """Store `observations`, recording first the historical copies they introduce."""
        await history.record(self.session, self.workspace_id, copies)
        self.recorded.extend(copy.post_id for copy in copies)
        # In slices, so that one statement never carries more parameters than a driver takes.
        for chunk in chunked(observations, 10_000):
            result = await store(self.session, self.workspace_id, self.batch_id, chunk)
            self.stored += result.stored
            self.unchanged += result.unchanged
            for series in result.series:
                self.touched[series.id] = series
            for obs in result.observations:
                if self.period_start is None or obs.observed_at < self.period_start:
                    self.period_start = obs.observed_at
                if self.period_end is None or obs.observed_at > self.period_end:
                    self.period_end = obs.observed_at

    async def finish(self, *, received: int, duplicates: int) -> StatBatchRead:
        """The batch's summary; `stats.ingested` goes out when anything changed."""
        unchanged = self.unchanged + duplicates
        stored = self.stored if self.period_start and self.period_end else 0
        changed = list(self.touched.values()) if stored else []
        post_ids = sorted({s.post_id for s in changed if s.post_id != ACCOUNT})
        batch = StatBatchRead(
            batch_id=self.batch_id if stored else None,
            points_received=received,
            points_stored=stored,
            points_unchanged=unchanged,
            period_start=self.period_start if stored else None,
            period_end=self.period_end if stored else None,
            post_ids=post_ids,
            channel_ids=sorted({s.channel_id for s in changed}),
            post_totals=await post_totals(self.session, self.workspace_id, post_ids),
            posts_recorded=sorted(self.recorded) if stored else [],
        )
        if not stored:
            return batch
        figures = batch.model_dump(include=set(StatBatch.__table__.columns.keys()))
        self.session.add(
            StatBatch(id=self.batch_id, workspace_id=self.workspace_id, kind=self.kind, **figures)
        )
        kind = self.kind
        call_after_commit(self.session, lambda: STATS_POINTS_INGESTED.labels(str(kind)).inc(stored))
        announce(self.session, self.workspace_id, batch)
        mark_due(self.session, self.workspace_id)
        return batch


def announce(session: AsyncSession, workspace_id: str, batch: StatBatchRead) -> None:
    """`stats.ingested`, in as many events as it takes to keep each one small: a batch may
    touch thousands of posts, and one event naming them all would be too large to send
    (see `POSTS_PER_EVENT`)."""
    assert batch.batch_id is not None
    assert batch.period_start is not None
    assert batch.period_end is not None
    by_post = {t.post_id: t for t in batch.post_totals}
    post_ids, channel_ids = batch.post_ids, batch.channel_ids
    widest = max(len(post_ids), len(channel_ids))
    chunks = max(1, -(-widest // POSTS_PER_EVENT))
    for index in range(chunks):
        share = slice(index * POSTS_PER_EVENT, (index + 1) * POSTS_PER_EVENT)
        emit(
            session,
            StatsIngestedV1(
                batch_id=batch.batch_id,
                workspace_id=workspace_id,
                points_received=batch.points_received,
                points_stored=batch.points_stored,
                period_start=batch.period_start,
                period_end=batch.period_end,
                post_ids=post_ids[share],
                channel_ids=channel_ids[share],
                post_totals=[
                    PostTotals(post_id=t.post_id, totals=t.totals, verdict=t.verdict)
                    for post_id in post_ids[share]
                    if (t := by_post.get(post_id)) is not None
                ],
                chunk=index + 1,
                chunks=chunks,
            ),
        )


async def post_totals(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> list[BatchPostTotals]:
    """Each post's totals over its channels, and the verdict on its main channel (the one
    with the most reads) for reads."""
    series = await repository.series_of_posts(session, workspace_id, post_ids)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    main: dict[str, Series] = {}
    for s in series:
        totals[s.post_id][s.metric] += s.latest_value
        if s.metric == "reads" and (
            s.post_id not in main or s.latest_value > main[s.post_id].latest_value
        ):
            main[s.post_id] = s
    verdicts = await benchmarks(session, workspace_id, list(main.values()), utcnow())
    out = []
    for post_id in post_ids:
        bench = verdicts.get(main[post_id].id) if post_id in main else None
        out.append(
            BatchPostTotals(
                post_id=post_id,
                totals=dict(sorted(totals[post_id].items())),
                verdict=bench.verdict if bench else None,
                reason=bench.reason if bench else None,
            )
        )
    return out
