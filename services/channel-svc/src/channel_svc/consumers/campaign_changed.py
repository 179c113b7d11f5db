"""`campaign.changed`: keep the campaign's name and state for the tracked links."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from event_contracts import CampaignChangedV1
from servicekit.db import call_after_commit
from servicekit.events import PayloadHandler, handles
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.replicas import campaigns


async def keep_campaign(
    session: AsyncSession, change: CampaignChangedV1, *, forget_links: Callable[[], None]
) -> None:
    """`forget_links` empties the resolved-link cache once the change is committed, so a
    deleted campaign's links stop redirecting at once in this process."""
    if await campaigns.apply_change(session, change):
        call_after_commit(session, forget_links)


def campaign_changed(forget_links: Callable[[], None]) -> PayloadHandler[CampaignChangedV1]:
    return handles(CampaignChangedV1)(partial(keep_campaign, forget_links=forget_links))
