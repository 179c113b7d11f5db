"""Campaigns and tracked links, kept from content-svc's and channel-svc's events."""

from __future__ import annotations

from event_contracts import CampaignChangedV1, LinkClickedV1, LinkCreatedV1
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit import dialect_insert
from metrics_svc.models import Campaign, CampaignPost, LinkClick, TrackedLink
from metrics_svc.tracking.counters import ensure_placement, recount

VIA_CAMPAIGN = "campaign"
VIA_POST = "post"


async def record_campaign(session: AsyncSession, change: CampaignChangedV1) -> None:
    """The whole campaign; an older change arriving late changes nothing. Its post list
    replaces the posts it listed before (posts that joined through their own
    `post.published` stay)."""
    row = await session.get(Campaign, (change.workspace_id, change.campaign_id))
    if row is not None and row.changed_at > change.changed_at:
        return
    fields = {
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
    }
    if row is None:
        session.add(Campaign(workspace_id=change.workspace_id, id=change.campaign_id, **fields))
    else:
        for name, value in fields.items():
            setattr(row, name, value)
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
        await session.execute(
            dialect_insert(session, CampaignPost)
            .values(
                workspace_id=workspace_id, campaign_id=campaign_id, post_id=post_id, via=VIA_POST
            )
            .on_conflict_do_nothing()
        )


async def record_link(session: AsyncSession, link: LinkCreatedV1) -> None:
    await session.execute(
        dialect_insert(session, TrackedLink)
        .values(
            workspace_id=link.workspace_id,
            code=link.code,
            post_id=link.post_id,
            channel_id=link.channel_id,
            platform=link.platform,
            campaign_id=link.campaign_id,
            target_url=link.target_url,
            created_at=link.created_at,
        )
        .on_conflict_do_nothing()
    )


async def count_click(session: AsyncSession, click: LinkClickedV1) -> None:
    """One click, once per click id (a click sent again under another event id counts
    once too), added to the post's `clicks` on the channel."""
    inserted = await session.execute(
        dialect_insert(session, LinkClick)
        .values(
            workspace_id=click.workspace_id,
            click_id=click.click_id,
            code=click.code,
            post_id=click.post_id,
            channel_id=click.channel_id,
            campaign_id=click.campaign_id,
            clicked_at=click.clicked_at,
        )
        .on_conflict_do_nothing()
    )
    if not inserted.rowcount:  # type: ignore[attr-defined]
        return
    placement = await ensure_placement(
        session,
        click.workspace_id,
        click.post_id,
        click.channel_id,
        click.platform,
        click.clicked_at,
    )
    await recount(session, placement, "clicks", click.clicked_at)
