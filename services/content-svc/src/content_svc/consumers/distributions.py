"""`distribution.succeeded` / `distribution.failed`: show each channel's outcome on the post."""

from __future__ import annotations

from event_contracts import DistributionFailedV1, DistributionSucceededV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.posts import feedback


@handles(DistributionSucceededV1)
async def record_success(session: AsyncSession, done: DistributionSucceededV1) -> None:
    await feedback.record_distribution_outcome(session, feedback.succeeded(done))


@handles(DistributionFailedV1)
async def record_failure(session: AsyncSession, failed: DistributionFailedV1) -> None:
    await feedback.record_distribution_outcome(session, feedback.failed(failed))
