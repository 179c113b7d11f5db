"""The queries of segments' WeChat tags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.models import WechatTag, WechatTagMember


async def locked_tag(session: AsyncSession, channel_id: str, segment_id: str) -> WechatTag | None:
    """The segment's tag on the channel, locked (two chunks of one sync take turns)."""
    return await session.get(WechatTag, (channel_id, segment_id), with_for_update=True)


async def tag_of(session: AsyncSession, channel_id: str, segment_id: str) -> WechatTag | None:
    return await session.get(WechatTag, (channel_id, segment_id))


async def tagged_among(
    session: AsyncSession, channel_id: str, segment_id: str, openids: Sequence[str]
) -> set[str]:
    """Those of `openids` already tagged with the segment's tag."""
    rows = await session.scalars(
        select(WechatTagMember.openid).where(
            WechatTagMember.channel_id == channel_id,
            WechatTagMember.segment_id == segment_id,
            WechatTagMember.openid.in_(openids),
        )
    )
    return set(rows.all())


def add_tagged(
    session: AsyncSession, channel_id: str, segment_id: str, openids: Sequence[str], now: datetime
) -> None:
    session.add_all(
        WechatTagMember(channel_id=channel_id, segment_id=segment_id, openid=o, tagged_at=now)
        for o in openids
    )


async def tags_of_channel(session: AsyncSession, channel_id: str) -> list[WechatTag]:
    rows = await session.scalars(
        select(WechatTag)
        .where(WechatTag.channel_id == channel_id)
        .order_by(WechatTag.created_at, WechatTag.segment_id)
    )
    return list(rows.all())
