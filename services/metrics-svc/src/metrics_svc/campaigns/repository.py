"""The campaign reports' queries: campaigns, their posts, what those posts and the
campaign's channels gained, the conversions attributed to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.chunks import rows_by_chunk, scalars_by_chunk
from metrics_svc.models import (
    Campaign,
    CampaignPost,
    ChannelDailyRollup,
    Conversion,
    DailyRollup,
    PostChannel,
    Series,
)
from metrics_svc.vocabulary import ACCOUNT_METRICS

Gain = tuple[datetime, str, str | None, str, float]
"""One figure gained on one day: (day, channel id, post id or None, metric, gain)."""


async def campaigns(
    session: AsyncSession,
    workspace_id: str,
    *,
    objective: str | None = None,
    like_objective: str | None = None,
    besides: str | None = None,
    status: str | None = None,
    ends_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> list[Campaign]:
    """The workspace's campaigns (not deleted), newest first."""
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id, Campaign.deleted.is_(False)
    )
    if besides:
        query = query.where(Campaign.id != besides)
    if like_objective:
        query = query.where(Campaign.objective == like_objective)
    if objective:
        query = query.where(Campaign.objective == objective)
    if status:
        query = query.where(Campaign.status == status)
    if ends_from:
        query = query.where(Campaign.ends_at >= ends_from)
    if starts_before:
        query = query.where(Campaign.starts_at < starts_before)
    return list(await session.scalars(query.order_by(Campaign.starts_at.desc(), Campaign.id)))


async def running(session: AsyncSession, workspace_id: str, now: datetime) -> list[Campaign]:
    """Campaigns running now (not finished, deleted, or yet to start)."""
    return list(
        await session.scalars(
            select(Campaign).where(
                Campaign.workspace_id == workspace_id,
                Campaign.deleted.is_(False),
                Campaign.status != "finished",
                Campaign.starts_at <= now,
                Campaign.ends_at > now,
            )
        )
    )


async def post_ids(session: AsyncSession, campaign: Campaign) -> list[str]:
    return sorted(
        set(
            await session.scalars(
                select(CampaignPost.post_id).where(
                    CampaignPost.workspace_id == campaign.workspace_id,
                    CampaignPost.campaign_id == campaign.id,
                )
            )
        )
    )


async def channels_of_posts(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> set[str]:
    channel_ids = await scalars_by_chunk(
        session,
        lambda ids: select(PostChannel.channel_id).where(
            PostChannel.workspace_id == workspace_id, PostChannel.post_id.in_(ids)
        ),
        list(post_ids),
    )
    return set(channel_ids)


async def post_gains(
    session: AsyncSession,
    workspace_id: str,
    post_ids: Sequence[str],
    start: datetime,
    end: datetime,
) -> list[Gain]:
    """What the posts' series gained each day from `start` to `end`."""
    rows = await rows_by_chunk(
        session,
        lambda chunk: (
            select(
                DailyRollup.bucket,
                Series.channel_id,
                Series.post_id,
                Series.metric,
                DailyRollup.gain,
            )
            .join(DailyRollup, DailyRollup.series_id == Series.id)
            .where(
                Series.workspace_id == workspace_id,
                Series.post_id.in_(chunk),
                DailyRollup.bucket >= start,
                DailyRollup.bucket < end,
            )
        ),
        list(post_ids),
    )
    return [(d, c, p, m, float(g)) for d, c, p, m, g in rows]


async def account_gains(
    session: AsyncSession,
    workspace_id: str,
    channel_ids: Sequence[str],
    start: datetime,
    end: datetime,
) -> list[Gain]:
    """What the channels' accounts gained each day (followers ...) from `start` to `end`."""
    rows = await session.execute(
        select(
            ChannelDailyRollup.day,
            ChannelDailyRollup.channel_id,
            ChannelDailyRollup.metric,
            ChannelDailyRollup.gain,
        ).where(
            ChannelDailyRollup.workspace_id == workspace_id,
            ChannelDailyRollup.channel_id.in_(channel_ids),
            ChannelDailyRollup.account.is_(True),
            ChannelDailyRollup.metric.in_(ACCOUNT_METRICS),
            ChannelDailyRollup.day >= start,
            ChannelDailyRollup.day < end,
        )
    )
    return [(d, c, None, m, float(g)) for d, c, m, g in rows]


async def conversions(
    session: AsyncSession, campaign: Campaign, post_ids: Sequence[str], end: datetime
) -> list[Conversion]:
    """Conversions attributed to the campaign or to its posts, from its start to `end`."""
    attributed = Conversion.campaign_id == campaign.id
    if post_ids:
        attributed = or_(attributed, Conversion.post_id.in_(post_ids[:2000]))
    return list(
        await session.scalars(
            select(Conversion).where(
                Conversion.workspace_id == campaign.workspace_id,
                attributed,
                Conversion.occurred_at >= campaign.starts_at,
                Conversion.occurred_at < end,
            )
        )
    )
