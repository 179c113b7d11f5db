"""Segments' SQL (what a segment matches is compiled by `members.repository`)."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.pagination import paginate, split_page
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.models import Interaction, MemberIdentity, Segment


async def segments_page(
    session: AsyncSession, workspace_id: str, *, cursor: str | None, limit: int
) -> tuple[list[Segment], str | None]:
    """A page of the workspace's segments, newest first."""
    query = paginate(
        select(Segment).where(Segment.workspace_id == workspace_id),
        created_at=Segment.created_at,
        row_id=Segment.id,
        cursor=cursor,
        limit=limit,
    )
    return split_page((await session.scalars(query)).all(), limit)


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
