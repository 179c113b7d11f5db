"""`channel.changed`: keep the local copy of the workspace's channels."""

from __future__ import annotations

from event_contracts import ChannelChangedV1
from servicekit.events import handles
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.replicas.channels import remember_channel


@handles(ChannelChangedV1)
async def remember_channel_change(session: AsyncSession, change: ChannelChangedV1) -> None:
    await remember_channel(session, change)
