"""The rules of channels: which platforms exist, what a config must hold, who sees what."""

from __future__ import annotations

from collections.abc import Mapping

from event_contracts import ChannelChangedV1
from servicekit.db import utcnow
from servicekit.problems import Invalid, NotFound
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import Adapter
from channel_svc.channels.schemas import ChannelCreate
from channel_svc.crypto import CredentialCipher
from channel_svc.events import emit
from channel_svc.models import Channel, ChannelStatus, new_id
from channel_svc.pagination import paginate, split_page


def _announce(session: AsyncSession, channel: Channel, *, deleted: bool = False) -> None:
    emit(
        session,
        "channel.changed",
        subject=channel.id,
        workspace_id=channel.workspace_id,
        payload=ChannelChangedV1(
            channel_id=channel.id,
            workspace_id=channel.workspace_id,
            platform=channel.platform,
            name=channel.name,
            status=channel.status,
            deleted=deleted,
            changed_at=channel.updated_at,
        ),
    )


async def create_channel(
    session: AsyncSession,
    *,
    workspace_id: str,
    data: ChannelCreate,
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
) -> Channel:
    adapter = adapters.get(data.platform)
    if adapter is None:
        supported = ", ".join(sorted(adapters))
        raise Invalid.field(
            "platform", f"{data.platform!r} is not supported; supported platforms: {supported}"
        )
    config = await adapter.check_config(data.config)
    now = utcnow()
    channel = Channel(
        id=new_id(),
        workspace_id=workspace_id,
        platform=data.platform,
        name=data.name,
        config=config,
        secret_encrypted=cipher.encrypt(data.secret),
        status=ChannelStatus.ACTIVE.value,
        created_at=now,
        updated_at=now,
    )
    session.add(channel)
    _announce(session, channel)
    await session.flush()
    return channel


async def get_channel(session: AsyncSession, *, workspace_id: str, channel_id: str) -> Channel:
    channel = await session.scalar(
        select(Channel).where(
            Channel.id == channel_id,
            Channel.workspace_id == workspace_id,
            Channel.deleted_at.is_(None),
        )
    )
    if channel is None:
        raise NotFound(f"No channel {channel_id} in this workspace.")
    return channel


async def list_channels(
    session: AsyncSession, *, workspace_id: str, cursor: str | None, limit: int
) -> tuple[list[Channel], str | None]:
    query = paginate(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.deleted_at.is_(None)),
        created_at=Channel.created_at,
        row_id=Channel.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page((await session.scalars(query)).all(), limit)


async def delete_channel(session: AsyncSession, *, workspace_id: str, channel_id: str) -> None:
    """Soft-delete: past distributions keep pointing at it; new ones fail as unavailable."""
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    now = utcnow()
    channel.deleted_at = now
    channel.updated_at = now
    _announce(session, channel, deleted=True)
    await session.flush()
