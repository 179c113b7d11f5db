"""`channel.changed`: keep the local copy of the workspace's channels."""

from __future__ import annotations

from event_contracts import ChannelChangedV1, CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.channels.service import remember_channel
from content_svc.consumers.payloads import payload_of


async def on_channel_changed(session: AsyncSession, event: CloudEvent) -> None:
    await remember_channel(session, payload_of(event, ChannelChangedV1))
