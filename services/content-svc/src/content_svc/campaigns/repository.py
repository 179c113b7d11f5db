"""The SQL of campaigns; every query is scoped to one workspace, deleted campaigns are gone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from content_svc.campaigns.status import CampaignStatus, has_status
from content_svc.models import Campaign, Idea, Post

# A campaign's page lists at most this many posts and ideas (newest first).
PAGE_ITEMS_MAX = 500


async def get_campaign(
    session: AsyncSession, workspace_id: str, campaign_id: str, *, for_update: bool = False
) -> Campaign | None:
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id,
        Campaign.id == campaign_id,
        Campaign.deleted_at.is_(None),
    )
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    """The JSON array `campaigns.tags` holds `tag` (compared case-insensitively)."""
    elements = func.json_array_elements_text if dialect == "postgresql" else func.json_each
    each = elements(Campaign.tags).table_valued("value")
    return exists(select(1).select_from(each).where(func.lower(each.c.value) == tag.lower()))


async def list_campaigns(
    session: AsyncSession,
    workspace_id: str,
    *,
    limit: int,
    before: tuple[datetime, str] | None,
    now: datetime,
    status: CampaignStatus | None,
    objective: str | None,
    tag: str | None,
    text_query: str | None,
) -> Sequence[Campaign]:
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id, Campaign.deleted_at.is_(None)
    )
    if status is not None:
        query = query.where(has_status(status, now))
    if objective is not None:
        query = query.where(Campaign.objective == objective)
    if tag is not None:
        query = query.where(_has_tag(session.get_bind().dialect.name, tag))
    if text_query:
        pattern = f"%{_escape_like(text_query.lower())}%"
        query = query.where(func.lower(Campaign.name).like(pattern, escape="\\"))
    if before is not None:
        created_at, campaign_id = before
        query = query.where(
            or_(
                Campaign.created_at < created_at,
                and_(Campaign.created_at == created_at, Campaign.id < campaign_id),
            )
        )
    query = query.order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
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
        .where(Post.workspace_id == workspace_id, Post.campaign_id == campaign_id)
        .order_by(Post.created_at, Post.id)
    )
    return list((await session.scalars(query)).all())


async def campaign_posts(
    session: AsyncSession, workspace_id: str, campaign_id: str
) -> Sequence[Post]:
    query = (
        select(Post)
        .where(Post.workspace_id == workspace_id, Post.campaign_id == campaign_id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(PAGE_ITEMS_MAX)
        .options(selectinload(Post.channels))
    )
    return (await session.scalars(query)).all()


async def campaign_ideas(
    session: AsyncSession, workspace_id: str, campaign_id: str
) -> Sequence[Idea]:
    query = (
        select(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.campaign_id == campaign_id)
        .order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(PAGE_ITEMS_MAX)
    )
    return (await session.scalars(query)).all()


async def detach_all(session: AsyncSession, workspace_id: str, campaign_id: str) -> None:
    """Take every post and idea out of a campaign (it is being deleted)."""
    await session.execute(
        update(Post)
        .where(Post.workspace_id == workspace_id, Post.campaign_id == campaign_id)
        .values(campaign_id=None)
    )
    await session.execute(
        update(Idea)
        .where(Idea.workspace_id == workspace_id, Idea.campaign_id == campaign_id)
        .values(campaign_id=None)
    )
