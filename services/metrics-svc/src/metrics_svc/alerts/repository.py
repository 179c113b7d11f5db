"""The alerts' queries: recent posts' reads series, their earlier values, follower days."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.models import ACCOUNT, DailyRollup, HourlyRollup, Series
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
