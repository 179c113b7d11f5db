"""The tracked links' queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from servicekit.pagination import PageRequest
from sqlalchemy import Row, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.kit.queries import workspace_page
from channel_svc.models import Campaign, Channel, Click, TrackedLink


async def codes_of(
    session: AsyncSession, *, post_id: str, channel_id: str, target_hashes: list[str]
) -> dict[str, str]:
    """Target → code of the post's links on the channel that exist already."""
    rows = await session.scalars(
        select(TrackedLink).where(
            TrackedLink.post_id == post_id,
            TrackedLink.channel_id == channel_id,
            TrackedLink.target_hash.in_(target_hashes),
        )
    )
    return {link.target_url: link.code for link in rows.all()}


async def taken_codes(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    rows = await session.scalars(select(TrackedLink.code).where(TrackedLink.code.in_(list(codes))))
    return set(rows.all())


async def with_names(
    session: AsyncSession, code: str
) -> Row[TrackedLink, str | None, str | None, bool | None] | None:
    """The link of `code` with its channel's name, its campaign's name and whether the
    campaign was deleted (None where unknown), or None."""
    return (
        await session.execute(
            select(TrackedLink, Channel.name, Campaign.name, Campaign.deleted)
            .outerjoin(
                Channel,
                and_(
                    Channel.id == TrackedLink.channel_id,
                    Channel.workspace_id == TrackedLink.workspace_id,
                ),
            )
            .outerjoin(
                Campaign,
                and_(
                    Campaign.id == TrackedLink.campaign_id,
                    Campaign.workspace_id == TrackedLink.workspace_id,
                ),
            )
            .where(TrackedLink.code == code)
        )
    ).one_or_none()


async def find(session: AsyncSession, *, workspace_id: str, code: str) -> TrackedLink | None:
    return await session.scalar(
        select(TrackedLink).where(
            TrackedLink.code == code, TrackedLink.workspace_id == workspace_id
        )
    )


async def page(
    session: AsyncSession,
    *,
    workspace_id: str,
    post_id: str | None,
    campaign_id: str | None,
    channel_id: str | None,
    paging: PageRequest,
) -> tuple[list[TrackedLink], str | None]:
    given = (
        (TrackedLink.post_id, post_id),
        (TrackedLink.campaign_id, campaign_id),
        (TrackedLink.channel_id, channel_id),
    )
    return await workspace_page(
        session, TrackedLink, workspace_id=workspace_id, given=given, paging=paging
    )


async def click_counts(session: AsyncSession, link_ids: list[str]) -> dict[str, int]:
    if not link_ids:
        return {}
    rows = await session.execute(
        select(Click.link_id, func.count())
        .where(Click.link_id.in_(link_ids))
        .group_by(Click.link_id)
    )
    return {link_id: int(count) for link_id, count in rows.all()}


async def add_clicks(session: AsyncSession, clicks: list[dict[str, Any]]) -> None:
    """Many clicks in one statement."""
    await session.execute(insert(Click), clicks)
