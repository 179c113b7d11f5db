"""Ingesting figures, from a batch of points or a CSV file: validate everything, store all
of it or nothing (see `batches`), tell others. (A retry with the same `Idempotency-Key` is
answered by servicekit.idempotency before it reaches here.)"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from servicekit.csv_upload import spool_body
from servicekit.problems import FieldError, Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion import csv_import
from metrics_svc.ingestion.batches import BatchWriter
from metrics_svc.ingestion.schemas import (
    MAX_POINTS,
    ImportReport,
    RowProblem,
    StatBatchCreate,
    StatBatchRead,
)
from metrics_svc.ingestion.validation import Copies, Problem, Seen, SubmittedPoint, resolve

# CSV rows are resolved (and stored) this many at a time, so a file is never held whole.
RESOLVE_EVERY = 5_000
MAX_PROBLEMS_LISTED = 10_000


def submitted(body: StatBatchCreate) -> list[SubmittedPoint]:
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


async def ingest(session: AsyncSession, workspace_id: str, body: StatBatchCreate) -> StatBatchRead:
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
    writer = BatchWriter(session, workspace_id, "api")
    await writer.add(resolution.observations, resolution.copies)
    return await writer.finish(received=len(points), duplicates=resolution.duplicates)


@dataclass
class ImportRun:
    problems: list[RowProblem] = field(default_factory=list)
    problems_total: int = 0
    bad_lines: set[int] = field(default_factory=set)
    rows: int = 0

    def add(self, problem: Problem) -> None:
        self.problems_total += 1
        self.bad_lines.add(problem.where)
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(
                RowProblem(line=problem.where, field=problem.field, reason=problem.reason)
            )


async def import_csv(
    session: AsyncSession,
    workspace_id: str,
    upload: AsyncIterator[bytes],
    *,
    dry_run: bool,
    zone: ZoneInfo,
    source: str,
    platform: str | None,
    max_bytes: int,
    max_rows: int,
) -> ImportReport:
    """The file is spooled to disk as it streams (never held whole), then read row by row
    and stored in slices: all of it, or nothing when a row is bad."""
    run = ImportRun()
    writer = BatchWriter(session, workspace_id, "csv")
    seen: Seen = {}
    copies: Copies = {}
    pending: list[SubmittedPoint] = []
    received = duplicates = 0
    lines = set[int]()

    async def flush() -> None:
        nonlocal duplicates
        resolution = await resolve(
            session, workspace_id, pending, seen=seen, copies=copies, noun="line"
        )
        duplicates += resolution.duplicates
        for problem in resolution.problems:
            run.add(problem)
        if not dry_run and run.problems_total == 0:
            await writer.add(resolution.observations, resolution.copies)
        pending.clear()

    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        await spool_body(upload, spool, max_bytes)
        with csv_import.points_of(spool, zone=zone, source=source, platform=platform) as (
            encoding,
            items,
        ):
            for item in items:
                lines.add(item.where)
                if isinstance(item, Problem):
                    run.add(item)
                    continue
                received += 1
                pending.append(item)
                if len(lines) > max_rows:
                    raise Invalid(
                        f"The file has more than {max_rows:,} rows; split it. Nothing was stored.",
                        errors=[FieldError(field="body", message=f"more than {max_rows} rows")],
                    )
                if len(pending) >= RESOLVE_EVERY:
                    await flush()
            await flush()
    run.rows = len(lines)
    run.problems.sort(key=lambda p: p.line)  # parse problems come before resolution ones
    valid_rows = run.rows - len(run.bad_lines)
    if run.problems_total and not dry_run:
        raise Invalid(
            f"{len(run.bad_lines)} of {run.rows} rows are invalid; nothing was stored.",
            errors=[
                FieldError(field=f"line.{p.line}.{p.field}", message=p.reason) for p in run.problems
            ],
        )
    batch = None if dry_run else await writer.finish(received=received, duplicates=duplicates)
    return ImportReport(
        dry_run=dry_run,
        encoding=encoding,
        rows=run.rows,
        valid_rows=valid_rows,
        problems=run.problems,
        problems_total=run.problems_total,
        earlier_posts=len(copies),
        batch=batch,
    )
