"""Campaigns and their posts, as content-svc's events tell them."""

from __future__ import annotations

from event_contracts import CampaignChangedV1
from servicekit.db import dialect_insert, insert_if_new
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.upserts import replace_if_newer
from metrics_svc.models import Campaign, CampaignPost

VIA_CAMPAIGN = "campaign"
VIA_POST = "post"


async def record_campaign(session: AsyncSession, change: CampaignChangedV1) -> None:
    """The whole campaign; an older change arriving late changes nothing. Its post list
    replaces the posts it listed before (posts that joined through their own
    `post.published` stay)."""
    applied = await replace_if_newer(
        session,
        Campaign,
        (change.workspace_id, change.campaign_id),
        {
            "name": change.name,
            "objective": change.objective,
            "goals": dict(change.goals),
            "starts_at": change.starts_at,
            "ends_at": change.ends_at,
            "channel_ids": list(change.channel_ids),
            "budget": change.budget,
            "currency": change.currency,
            "tags": list(change.tags),
            "owner_id": change.owner_id,
            "status": change.status,
            "deleted": change.deleted,
            "changed_at": change.changed_at,
        },
        newer=lambda row: row.changed_at <= change.changed_at,
    )
    if not applied:
        return
    await session.execute(
        delete(CampaignPost).where(
            CampaignPost.workspace_id == change.workspace_id,
            CampaignPost.campaign_id == change.campaign_id,
            CampaignPost.via == VIA_CAMPAIGN,
        )
    )
    if change.post_ids:
        insert = dialect_insert(session, CampaignPost)
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["workspace_id", "campaign_id", "post_id"],
                set_={"via": insert.excluded.via},
            ),
            [
                {
                    "workspace_id": change.workspace_id,
                    "campaign_id": change.campaign_id,
                    "post_id": post_id,
                    "via": VIA_CAMPAIGN,
                }
                for post_id in dict.fromkeys(change.post_ids)
            ],
        )


async def join_campaign(
    session: AsyncSession, workspace_id: str, post_id: str, campaign_id: str | None
) -> None:
    """A post's own snapshot names its campaign (a newer version may name another)."""
    await session.execute(
        delete(CampaignPost).where(
            CampaignPost.workspace_id == workspace_id,
            CampaignPost.post_id == post_id,
            CampaignPost.via == VIA_POST,
            CampaignPost.campaign_id != (campaign_id or ""),
        )
    )
    if campaign_id:
        await insert_if_new(
            session,
            CampaignPost,
            workspace_id=workspace_id,
            campaign_id=campaign_id,
            post_id=post_id,
            via=VIA_POST,
        )
