"""`wordlist.changed`: keep the workspace's word lists for the pre-publish checks."""

from __future__ import annotations

from event_contracts import CloudEvent, WordlistChangedV1
from servicekit.consumer import PoisonMessage
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.wordlists import service


async def handle_wordlist_changed(session: AsyncSession, event: CloudEvent) -> None:
    change = event.payload()
    if not isinstance(change, WordlistChangedV1):
        raise PoisonMessage(f"{event.type} does not carry WordlistChangedV1")
    if change.workspace_id != event.workspaceid:
        raise PoisonMessage(
            f"payload workspace {change.workspace_id} differs from the event's {event.workspaceid}"
        )
    if len(change.wordlist_id) > 64 or len(change.workspace_id) > 64:
        raise PoisonMessage("ids longer than 64 characters cannot be stored")
    await service.apply_change(session, change)
