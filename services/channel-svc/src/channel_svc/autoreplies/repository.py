"""The auto-replies' queries."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.pagination import PageRequest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.kit.queries import workspace_page
from channel_svc.models import AutoReply


async def find(session: AsyncSession, *, workspace_id: str, rule_id: str) -> AutoReply | None:
    return await session.scalar(
        select(AutoReply).where(AutoReply.id == rule_id, AutoReply.workspace_id == workspace_id)
    )


async def page(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str | None,
    paging: PageRequest,
) -> tuple[list[AutoReply], str | None]:
    given = ((AutoReply.channel_id, channel_id),)
    return await workspace_page(
        session, AutoReply, workspace_id=workspace_id, given=given, paging=paging
    )


async def of_channel(session: AsyncSession, channel_id: str) -> Sequence[AutoReply]:
    """The channel's enabled rules (a handful: they are matched in memory)."""
    rows = await session.scalars(
        select(AutoReply).where(AutoReply.channel_id == channel_id, AutoReply.enabled.is_(True))
    )
    return rows.all()


async def same_rule(
    session: AsyncSession, *, channel_id: str, trigger: str, match: str | None, keyword: str | None
) -> AutoReply | None:
    """The channel's rule for the same trigger (and the same keyword and match)."""
    query = select(AutoReply).where(
        AutoReply.channel_id == channel_id, AutoReply.trigger == trigger
    )
    if trigger == "keyword":
        query = query.where(AutoReply.match == match, AutoReply.keyword == keyword)
    return await session.scalar(query.limit(1))
