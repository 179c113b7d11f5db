"""`campaign.changed`: keep the campaign's name and state for the tracked links."""

from __future__ import annotations

from collections.abc import Callable

from event_contracts import CampaignChangedV1, CloudEvent
from servicekit.consumer import Handler, PoisonMessage
from servicekit.db import call_after_commit
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.campaigns import service


def campaign_changed_handler(forget_links: Callable[[], None]) -> Handler:
    """`forget_links` empties the resolved-link cache once the change is committed, so a
    deleted campaign's links stop redirecting at once in this process."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        change = event.payload()
        if not isinstance(change, CampaignChangedV1):
            raise PoisonMessage(f"{event.type} does not carry CampaignChangedV1")
        if change.workspace_id != event.workspaceid:
            raise PoisonMessage(
                f"payload workspace {change.workspace_id} differs from the event's "
                f"{event.workspaceid}"
            )
        if len(change.campaign_id) > 64 or len(change.workspace_id) > 64:
            raise PoisonMessage("ids longer than 64 characters cannot be stored")
        if await service.apply_change(session, change):
            call_after_commit(session, forget_links)

    return handle
