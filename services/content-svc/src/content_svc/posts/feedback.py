"""What comes back after publishing: each channel's outcome, and the post's figures.

`distribution.succeeded/failed` show on the post's channel rows; `stats.ingested` keeps a
performance summary on each post for `GET /posts?sort=performance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from event_contracts import DistributionFailedV1, DistributionSucceededV1, StatsIngestedV1
from servicekit.db import utcnow
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.models import DeliveryStatus, PostChannel
from content_svc.posts import repository

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DistributionOutcome:
    """What channel-svc reported for one post on one channel."""

    workspace_id: str
    post_id: str
    channel_id: str
    distribution_id: str
    platform: str
    status: DeliveryStatus
    happened_at: datetime
    url: str | None = None
    external_id: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)


# channel-svc reports a post the platform removed after publishing with these codes.
TAKEN_DOWN_CODES = frozenset({"deleted_after_publishing", "banned_after_publishing"})


def _outcome(
    report: DistributionSucceededV1 | DistributionFailedV1,
    status: DeliveryStatus,
    happened_at: datetime,
    **details: Any,
) -> DistributionOutcome:
    return shaped(DistributionOutcome, report, status=status, happened_at=happened_at, **details)


def succeeded(done: DistributionSucceededV1) -> DistributionOutcome:
    return _outcome(
        done,
        DeliveryStatus.SUCCEEDED,
        done.succeeded_at,
        url=done.url,
        external_id=done.external_id,
    )


def failed(report: DistributionFailedV1) -> DistributionOutcome:
    """A failure; a post the platform took down after publishing is `taken_down`."""
    taken_down = any(reason.code in TAKEN_DOWN_CODES for reason in report.reasons)
    return _outcome(
        report,
        DeliveryStatus.TAKEN_DOWN if taken_down else DeliveryStatus.FAILED,
        report.failed_at,
        reasons=[reason.model_dump(mode="json") for reason in report.reasons],
    )


def _is_stale(row: PostChannel, outcome: DistributionOutcome) -> str | None:
    """Why `outcome` must not replace what the row shows, or None when it may."""
    if (
        row.status == DeliveryStatus.SUCCEEDED.value
        and outcome.status == DeliveryStatus.FAILED
        and row.distribution_id == outcome.distribution_id
    ):
        return "the distribution already succeeded"
    if row.outcome_at is not None:
        if outcome.happened_at < row.outcome_at:
            return "older than the outcome shown"
        if outcome.happened_at == row.outcome_at and outcome.status != DeliveryStatus.SUCCEEDED:
            return "no newer than the outcome shown"
    return None


async def record_distribution_outcome(session: AsyncSession, outcome: DistributionOutcome) -> bool:
    """Show `outcome` on the post's channel row; False when it is unknown or stale."""
    bound = log.bind(
        post_id=outcome.post_id,
        channel_id=outcome.channel_id,
        distribution_id=outcome.distribution_id,
        outcome=outcome.status.value,
    )
    row = await repository.get_post_channel(
        session, outcome.workspace_id, outcome.post_id, outcome.channel_id
    )
    if row is None:
        bound.warning("distribution_outcome_ignored", reason="no such post on that channel")
        return False
    stale = _is_stale(row, outcome)
    if stale is not None:
        bound.info("distribution_outcome_ignored", reason=stale)
        return False
    row.status = outcome.status.value
    row.platform = outcome.platform
    row.distribution_id = outcome.distribution_id
    row.outcome_at = outcome.happened_at
    row.updated_at = utcnow()
    if outcome.status == DeliveryStatus.SUCCEEDED:
        row.url = outcome.url
        row.external_id = outcome.external_id
        row.reasons = []
    elif outcome.status == DeliveryStatus.TAKEN_DOWN:
        row.reasons = list(outcome.reasons)  # keep the URL: where the post was
    else:
        row.url = None
        row.external_id = None
        row.reasons = list(outcome.reasons)
    return True


ENGAGEMENT_METRICS = ("likes", "comments", "shares", "favorites")
_READS_CAP = 10**12 - 1


# metrics-svc's benchmark verdicts, best first.
VERDICT_RANKS = {"outperforming": 3, "on_par": 2, "underperforming": 0}


def verdict_rank(verdict: str | None) -> int:
    """Better verdicts sort first: outperforming, on par, no verdict yet, underperforming."""
    if verdict is None:
        return 1
    return VERDICT_RANKS.get(verdict.lower(), 1)


def performance_rank(verdict: str | None, reads: int | None) -> int:
    return verdict_rank(verdict) * (_READS_CAP + 1) + min(max(reads or 0, 0), _READS_CAP)


async def record_stats(session: AsyncSession, batch: StatsIngestedV1) -> int:
    """Keep each touched post's latest totals and verdict; returns how many posts changed.

    Totals are running totals, so the newest batch replaces what the post shows; a batch
    whose period ends before the one shown is older news and is ignored.
    """
    changed = 0
    for item in batch.post_totals:
        post = await repository.get_post(session, batch.workspace_id, item.post_id, for_update=True)
        if post is None:
            log.info("stats_ignored", post_id=item.post_id, reason="no such post")
            continue
        if post.perf_period_end is not None and batch.period_end < post.perf_period_end:
            log.info("stats_ignored", post_id=item.post_id, reason="older than the figures shown")
            continue
        totals = {name: int(value) for name, value in item.totals.items()}
        reads = totals.get("reads", totals.get("views"))
        post.perf_totals = totals
        post.perf_reads = reads
        post.perf_engagement = sum(totals.get(name, 0) for name in ENGAGEMENT_METRICS)
        post.perf_verdict = item.verdict
        post.perf_period_end = batch.period_end
        post.perf_rank = performance_rank(item.verdict, reads)
        changed += 1
    return changed
