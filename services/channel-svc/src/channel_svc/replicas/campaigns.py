"""A workspace's campaigns, kept locally from content-svc's `campaign.changed` events:
only what tracked links need (the name for `utm_campaign`, whether it was deleted)."""

from __future__ import annotations

from event_contracts import CampaignChangedV1
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import Campaign
from channel_svc.replicas import row_to_change


async def apply_change(session: AsyncSession, change: CampaignChangedV1) -> bool:
    """Store the campaign as the event carries it. False when a newer change is already
    kept (or the id belongs to another workspace)."""
    row = await row_to_change(session, Campaign, change.campaign_id, change)
    if row is None:
        return False
    row.name = change.name[:200]
    row.status = change.status
    row.deleted = change.deleted
    await session.flush()
    return True


async def is_deleted(session: AsyncSession, workspace_id: str, campaign_id: str) -> bool:
    deleted = await session.scalar(
        select(Campaign.deleted).where(
            Campaign.id == campaign_id, Campaign.workspace_id == workspace_id
        )
    )
    return bool(deleted)
