"""The alerts' queries: recent posts' reads series, their earlier values, follower days,
and negative interactions on posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.models import ACCOUNT, DailyRollup, HourlyRollup, InteractionSentiment, Series
from metrics_svc.reports.repository import followers_days


async def recent_reads(session: AsyncSession, workspace_id: str, since: datetime) -> list[Series]:
    """The reads series of the posts that went live on their channel since `since`."""
    return list(
        await session.scalars(
            select(Series).where(
                Series.workspace_id == workspace_id,
                Series.metric == "reads",
                Series.post_id != ACCOUNT,
                Series.published_at >= since,
            )
        )
    )


async def value_before(session: AsyncSession, series_id: int, moment: datetime) -> int | None:
    """The series' last value observed at or before `moment` (in its hourly buckets)."""
    return await session.scalar(
        select(HourlyRollup.value)
        .where(HourlyRollup.series_id == series_id, HourlyRollup.observed_at <= moment)
        .order_by(HourlyRollup.bucket.desc())
        .limit(1)
    )


async def follower_days(
    session: AsyncSession, workspace_id: str, since: datetime
) -> list[tuple[str, datetime, int, int]]:
    """(channel id, day, followers at its end, gained that day) of every channel since."""
    rows = await session.execute(followers_days(workspace_id).where(DailyRollup.bucket >= since))
    return [(channel, day, value, gain) for channel, day, value, gain in rows.all()]


NegativeCounts = dict[tuple[str, str], tuple[int, int]]
"""(post id, platform) -> (negative interactions, all interactions with text)."""


def _negative() -> Any:
    return func.sum(case((InteractionSentiment.sentiment == "negative", 1), else_=0))


async def negative_counts(
    session: AsyncSession,
    workspace_id: str,
    after: datetime,
    until: datetime,
    post_ids: list[str] | None = None,
) -> NegativeCounts:
    """Per post and platform, the interactions with text that occurred in (after, until]
    (of `post_ids` only, when given) and how many of them were negative."""
    query = (
        select(
            InteractionSentiment.post_id,
            InteractionSentiment.platform,
            _negative(),
            func.count(),
        )
        .where(
            InteractionSentiment.workspace_id == workspace_id,
            InteractionSentiment.occurred_at > after,
            InteractionSentiment.occurred_at <= until,
        )
        .group_by(InteractionSentiment.post_id, InteractionSentiment.platform)
    )
    if post_ids is not None:
        query = query.where(InteractionSentiment.post_id.in_(post_ids))
    rows = await session.execute(query)
    return {(post, platform): (int(neg), int(n)) for post, platform, neg, n in rows.all()}


async def workspace_negative(
    session: AsyncSession, workspace_id: str, after: datetime, until: datetime
) -> tuple[int, int]:
    """(negative, all) interactions with text on any post in (after, until]."""
    row = (
        await session.execute(
            select(_negative(), func.count()).where(
                InteractionSentiment.workspace_id == workspace_id,
                InteractionSentiment.occurred_at > after,
                InteractionSentiment.occurred_at <= until,
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1])


async def latest_negative(
    session: AsyncSession, workspace_id: str, post_id: str, platform: str
) -> datetime | None:
    return await session.scalar(
        select(func.max(InteractionSentiment.occurred_at)).where(
            InteractionSentiment.workspace_id == workspace_id,
            InteractionSentiment.post_id == post_id,
            InteractionSentiment.platform == platform,
            InteractionSentiment.sentiment == "negative",
        )
    )
