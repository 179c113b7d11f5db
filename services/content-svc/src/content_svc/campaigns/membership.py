"""Belonging to a campaign, and telling the other services: `campaign.changed`.

Every change of a campaign, and every post joining or leaving one, writes the whole
campaign (with its post ids) to the outbox in the caller's transaction. The campaign row
is locked first, so two posts joining at once write two events of which the later one
lists both posts.
"""

from __future__ import annotations

from event_contracts import CampaignChangedV1
from servicekit.db import utcnow
from servicekit.problems import Invalid
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.campaigns import repository
from content_svc.campaigns.status import campaign_status
from content_svc.events import emit
from content_svc.models import Campaign

FIELD = "campaign_id"


async def live_campaign(
    session: AsyncSession, workspace_id: str, campaign_id: str, *, field: str = FIELD
) -> Campaign:
    """The workspace's campaign `campaign_id`, locked; a 422 naming `field` otherwise
    (another workspace's campaign is as unknown as no campaign at all)."""
    campaign = await repository.get_campaign(
        session, workspace_id, campaign_id, for_update=True, deleted_too=True
    )
    if campaign is None:
        raise Invalid.field(field, f"there is no campaign {campaign_id!r} in this workspace")
    if campaign.deleted_at is not None:
        raise Invalid.field(field, f"campaign {campaign_id} was deleted")
    return campaign


async def announce(session: AsyncSession, campaign: Campaign) -> None:
    """Write `campaign.changed` with the whole campaign as it is in this transaction."""
    await session.flush()  # the posts' campaign_id, so that `post_ids` sees them
    deleted = campaign.deleted_at is not None
    # The rest of the payload is the row's fields of the same names.
    payload = shaped(
        CampaignChangedV1,
        campaign,
        campaign_id=campaign.id,
        post_ids=await repository.post_ids(session, campaign.workspace_id, campaign.id),
        status=campaign_status(campaign, campaign.updated_at).value,
        deleted=deleted,
        changed_at=campaign.updated_at,
    )
    emit(session, payload)


async def posts_moved(
    session: AsyncSession, workspace_id: str, left: str | None, joined: str | None
) -> None:
    """A post left campaign `left` and/or joined `joined`: both campaigns changed.

    Call it after the post's `campaign_id` is set, with the joined campaign already locked
    by `live_campaign`.
    """
    if left == joined:
        return
    for campaign_id in (left, joined):
        if campaign_id is None:
            continue
        campaign = await repository.get_campaign(
            session, workspace_id, campaign_id, for_update=True
        )
        if campaign is None:
            continue  # deleted meanwhile: nobody follows it any more
        campaign.updated_at = utcnow()
        await announce(session, campaign)
