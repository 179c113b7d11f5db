"""The SQL of campaigns; every query is scoped to one workspace, deleted campaigns are gone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from servicekit.pagination import paginate
from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from content_svc.campaigns.schemas import CampaignFilter
from content_svc.campaigns.status import has_status
from content_svc.kit.ids import workspace_row
from content_svc.kit.sql import holds_label, mentions
from content_svc.models import Campaign, Idea, Post

# A campaign's page lists at most this many posts and ideas (newest first).
PAGE_ITEMS_MAX = 500


async def get_campaign(
    session: AsyncSession,
    workspace_id: str,
    campaign_id: str,
    *,
    for_update: bool = False,
    deleted_too: bool = False,
) -> Campaign | None:
    """The workspace's campaign `campaign_id` (any spelling of the UUID); a deleted one
    only when `deleted_too`."""
    where = () if deleted_too else (Campaign.deleted_at.is_(None),)
    return await workspace_row(
        session, Campaign, workspace_id, campaign_id, for_update=for_update, where=where
    )


async def list_campaigns(
    session: AsyncSession,
    workspace_id: str,
    filters: CampaignFilter,
    *,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> Sequence[Campaign]:
    """The campaigns `filters` lets through (their status as of `now`), after `cursor`,
    newest first (one more than `limit`)."""
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id, Campaign.deleted_at.is_(None)
    )
    if filters.status is not None:
        query = query.where(has_status(filters.status, now))
    if filters.objective is not None:
        query = query.where(Campaign.objective == filters.objective)
    if filters.tag is not None:
        query = query.where(holds_label(session, Campaign.tags, filters.tag))
    if filters.q:
        query = query.where(mentions(filters.q, Campaign.name))
    query = paginate(
        query, created_at=Campaign.created_at, row_id=Campaign.id, cursor=cursor, limit=limit
    )
    return (await session.scalars(query)).all()


async def post_counts(
    session: AsyncSession, workspace_id: str, campaign_ids: Sequence[str]
) -> dict[str, int]:
    if not campaign_ids:
        return {}
    query = (
        select(Post.campaign_id, func.count())
        .where(Post.workspace_id == workspace_id, Post.campaign_id.in_(campaign_ids))
        .group_by(Post.campaign_id)
    )
    return {str(row[0]): int(row[1]) for row in (await session.execute(query)).all()}


async def post_ids(session: AsyncSession, workspace_id: str, campaign_id: str) -> list[str]:
    """The ids of the campaign's posts, oldest first (the order of `campaign.changed`)."""
    query = (
        select(Post.id)
        .where(_in_campaign(Post, workspace_id, campaign_id))
        .order_by(Post.created_at, Post.id)
    )
    return list((await session.scalars(query)).all())


M = TypeVar("M", Post, Idea)


def _in_campaign(model: type[Post] | type[Idea], workspace_id: str, campaign_id: str) -> Any:
    return and_(model.workspace_id == workspace_id, model.campaign_id == campaign_id)


async def campaign_posts(
    session: AsyncSession, workspace_id: str, campaign_id: str
) -> Sequence[Post]:
    """The campaign's newest posts, with their channels."""
    return await _newest(session, Post, workspace_id, campaign_id, selectinload(Post.channels))


async def campaign_ideas(
    session: AsyncSession, workspace_id: str, campaign_id: str
) -> Sequence[Idea]:
    """The campaign's newest ideas."""
    return await _newest(session, Idea, workspace_id, campaign_id)


async def _newest(
    session: AsyncSession,
    model: type[M],
    workspace_id: str,
    campaign_id: str,
    *options: ExecutableOption,
) -> Sequence[M]:
    query = (
        select(model)
        .where(_in_campaign(model, workspace_id, campaign_id))
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(PAGE_ITEMS_MAX)
        .options(*options)
    )
    return (await session.scalars(query)).all()


async def detach_all(session: AsyncSession, workspace_id: str, campaign_id: str) -> None:
    """Take every post and idea out of a campaign (it is being deleted)."""
    for model in (Post, Idea):
        await session.execute(
            update(model)
            .where(_in_campaign(model, workspace_id, campaign_id))
            .values(campaign_id=None)
        )
