"""Segments' SQL (what a segment matches is compiled by `members.repository`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.models import Interaction, MemberIdentity, Segment

MAX_LISTED = 500


async def list_segments(session: AsyncSession, workspace_id: str) -> list[Segment]:
    """The workspace's segments, newest first (at most `MAX_LISTED`)."""
    return list(
        (
            await session.scalars(
                select(Segment)
                .where(Segment.workspace_id == workspace_id)
                .order_by(Segment.created_at.desc(), Segment.id)
                .limit(MAX_LISTED)
            )
        ).all()
    )


async def openids_on_channel(
    session: AsyncSession,
    workspace_id: str,
    member_ids: Sequence[str],
    *,
    platform: str,
    channel_id: str,
) -> list[str]:
    """The `platform` ids of those of `member_ids` who acted through `channel_id` (an
    openid belongs to one WeChat account: the one the member followed or wrote to)."""
    acted = exists().where(
        Interaction.member_id == MemberIdentity.member_id,
        Interaction.channel_id == channel_id,
    )
    query = select(MemberIdentity.external_id).where(
        MemberIdentity.workspace_id == workspace_id,
        MemberIdentity.platform == platform,
        MemberIdentity.member_id.in_(member_ids),
        acted,
    )
    return list((await session.scalars(query.order_by(MemberIdentity.external_id))).all())
