"""Ingesting a batch of figures: validate everything, store all of it or nothing, tell others."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from event_contracts import PostTotals, StatsIngestedV1
from servicekit.db import call_after_commit, utcnow
from servicekit.problems import FieldError, Invalid
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.events import emit
from metrics_svc.ingestion import history
from metrics_svc.ingestion.history import HistoricalCopy
from metrics_svc.ingestion.rollups import store
from metrics_svc.ingestion.schemas import MAX_POINTS, BatchOut, PostTotalsOut, StatsBatchIn
from metrics_svc.ingestion.validation import Observation, Problem, SubmittedPoint, resolve
from metrics_svc.kit import chunked
from metrics_svc.models import ACCOUNT, Series, StatBatch
from metrics_svc.reports.benchmark import benchmarks
from metrics_svc.telemetry import STATS_POINTS_INGESTED

# Posts (and channels) one stats.ingested names at most. A post costs at most about 450
# bytes (its id twice, eight metrics, a verdict), so 500 make under 256 KiB: half of
# MAX_EVENT_BYTES, whatever the figures.
POSTS_PER_EVENT = 500


def submitted(body: StatsBatchIn) -> list[SubmittedPoint]:
    return [
        SubmittedPoint(
            where=index,
            metric=point.metric,
            value=point.value,
            observed_at=point.observed_at,
            source=point.source or body.source,
            post_id=point.post_id,
            channel_id=point.channel_id,
            external_id=point.external_id,
            platform=point.platform or body.platform,
            published_at=point.published_at,
            title=point.title,
            url=point.url,
        )
        for index, point in enumerate(body.points)
    ]


def batch_problems(problems: Sequence[Problem], received: int) -> Invalid:
    errors = [FieldError(field=f"points.{p.where}.{p.field}", message=p.reason) for p in problems]
    bad = len({p.where for p in problems})
    return Invalid(f"{bad} of {received} points are invalid; nothing was stored.", errors=errors)


async def ingest(session: AsyncSession, workspace_id: str, body: StatsBatchIn) -> BatchOut:
    if len(body.points) > MAX_POINTS:
        raise Invalid(
            f"A batch holds at most {MAX_POINTS:,} points; this one has {len(body.points):,}. "
            "Split it; nothing was stored.",
            errors=[FieldError(field="points", message=f"more than {MAX_POINTS} points")],
        )
    points = submitted(body)
    resolution = await resolve(session, workspace_id, points)
    if resolution.problems:
        raise batch_problems(resolution.problems, len(points))
    return await store_batch(
        session,
        workspace_id,
        resolution.observations,
        received=len(points),
        duplicates=resolution.duplicates,
        kind="api",
        copies=resolution.copies,
    )


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

    async def finish(self, *, received: int, duplicates: int) -> BatchOut:
        """The batch's summary; `stats.ingested` goes out when anything changed."""
        unchanged = self.unchanged + duplicates
        if self.stored == 0 or self.period_start is None or self.period_end is None:
            return BatchOut(
                batch_id=None,
                points_received=received,
                points_stored=0,
                points_unchanged=unchanged,
                period_start=None,
                period_end=None,
                post_ids=[],
                channel_ids=[],
                post_totals=[],
            )
        changed = list(self.touched.values())
        post_ids = sorted({s.post_id for s in changed if s.post_id != ACCOUNT})
        channel_ids = sorted({s.channel_id for s in changed})
        totals = await post_totals(self.session, self.workspace_id, post_ids)
        self.session.add(
            StatBatch(
                id=self.batch_id,
                workspace_id=self.workspace_id,
                kind=self.kind,
                points_received=received,
                points_stored=self.stored,
                points_unchanged=unchanged,
                period_start=self.period_start,
                period_end=self.period_end,
            )
        )
        stored, kind = self.stored, self.kind
        call_after_commit(self.session, lambda: STATS_POINTS_INGESTED.labels(str(kind)).inc(stored))
        self._announce(
            received, (self.period_start, self.period_end), post_ids, channel_ids, totals
        )
        return BatchOut(
            batch_id=self.batch_id,
            points_received=received,
            points_stored=self.stored,
            points_unchanged=unchanged,
            period_start=self.period_start,
            period_end=self.period_end,
            post_ids=post_ids,
            channel_ids=channel_ids,
            post_totals=totals,
            posts_recorded=sorted(self.recorded),
        )

    def _announce(
        self,
        received: int,
        period: tuple[datetime, datetime],
        post_ids: list[str],
        channel_ids: list[str],
        totals: Sequence[PostTotalsOut],
    ) -> None:
        """`stats.ingested`, in as many events as it takes to keep each one small: a
        batch may touch thousands of posts, and one event naming them all would be too
        large to send (see `POSTS_PER_EVENT`)."""
        by_post = {t.post_id: t for t in totals}
        widest = max(len(post_ids), len(channel_ids))
        chunks = max(1, -(-widest // POSTS_PER_EVENT))
        for index in range(chunks):
            share = slice(index * POSTS_PER_EVENT, (index + 1) * POSTS_PER_EVENT)
            emit(
                self.session,
                "stats.ingested",
                subject=self.batch_id,
                workspace_id=self.workspace_id,
                payload=StatsIngestedV1(
                    batch_id=self.batch_id,
                    workspace_id=self.workspace_id,
                    points_received=received,
                    points_stored=self.stored,
                    period_start=period[0],
                    period_end=period[1],
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


async def store_batch(
    session: AsyncSession,
    workspace_id: str,
    observations: Sequence[Observation],
    *,
    received: int,
    duplicates: int,
    kind: str,
    copies: Sequence[HistoricalCopy] = (),
) -> BatchOut:
    writer = BatchWriter(session, workspace_id, kind)
    await writer.add(observations, copies)
    return await writer.finish(received=received, duplicates=duplicates)


async def post_totals(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> list[PostTotalsOut]:
    """Each post's totals over its channels, and the verdict on its main channel (the one
    with the most reads) for reads."""
    series: list[Series] = []
    for chunk in chunked(list(post_ids), 500):
        series.extend(
            await session.scalars(
                select(Series).where(Series.workspace_id == workspace_id, Series.post_id.in_(chunk))
            )
        )
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
            PostTotalsOut(
                post_id=post_id,
                totals=dict(sorted(totals[post_id].items())),
                verdict=bench.verdict if bench else None,
                reason=bench.reason if bench else None,
            )
        )
    return out
