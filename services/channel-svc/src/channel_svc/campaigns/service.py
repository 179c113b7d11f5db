"""A workspace's campaigns, kept locally from content-svc's `campaign.changed` events:
only what tracked links need (the name for `utm_campaign`, whether it was deleted)."""

from __future__ import annotations

from event_contracts import CampaignChangedV1
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import Campaign


async def apply_change(session: AsyncSession, change: CampaignChangedV1) -> bool:
    """Store the campaign as the event carries it. False when a newer change is already
    kept (or the id belongs to another workspace)."""
    row = await session.get(Campaign, change.campaign_id)
    if row is not None and row.workspace_id != change.workspace_id:
        return False
    if row is not None and row.changed_at >= change.changed_at:
        return False
    if row is None:
        row = Campaign(id=change.campaign_id, workspace_id=change.workspace_id)
        session.add(row)
    row.name = change.name[:200]
    row.status = change.status
    row.deleted = change.deleted
    row.changed_at = change.changed_at
    await session.flush()
    return True
