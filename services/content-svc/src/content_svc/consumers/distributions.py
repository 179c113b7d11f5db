"""`distribution.succeeded` / `distribution.failed`: show each channel's outcome on the post."""

from __future__ import annotations

from event_contracts import CloudEvent, DistributionFailedV1, DistributionSucceededV1
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.consumers.payloads import payload_of
from content_svc.models import DeliveryStatus
from content_svc.posts.feedback import DistributionOutcome, record_distribution_outcome


async def on_distribution_succeeded(session: AsyncSession, event: CloudEvent) -> None:
    done = payload_of(event, DistributionSucceededV1)
    await record_distribution_outcome(
        session,
        DistributionOutcome(
            workspace_id=done.workspace_id,
            post_id=done.post_id,
            channel_id=done.channel_id,
            distribution_id=done.distribution_id,
            platform=done.platform,
            status=DeliveryStatus.SUCCEEDED,
            happened_at=done.succeeded_at,
            url=done.url,
            external_id=done.external_id,
        ),
    )


# channel-svc reports a post the platform removed after publishing with these codes.
TAKEN_DOWN_CODES = frozenset({"deleted_after_publishing", "banned_after_publishing"})


async def on_distribution_failed(session: AsyncSession, event: CloudEvent) -> None:
    failed = payload_of(event, DistributionFailedV1)
    await record_distribution_outcome(
        session,
        DistributionOutcome(
            workspace_id=failed.workspace_id,
            post_id=failed.post_id,
            channel_id=failed.channel_id,
            distribution_id=failed.distribution_id,
            platform=failed.platform,
            status=(
                DeliveryStatus.TAKEN_DOWN
                if any(reason.code in TAKEN_DOWN_CODES for reason in failed.reasons)
                else DeliveryStatus.FAILED
            ),
            happened_at=failed.failed_at,
            reasons=[reason.model_dump(mode="json") for reason in failed.reasons],
        ),
    )
