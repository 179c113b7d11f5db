"""The alerts' queries: recent posts' reads series, their earlier values, follower days,
and negative interactions on posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.db import is_postgres
from sqlalchemy import BigInteger, case, func, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.chunks import chunked
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


# One statement for any number of series on PostgreSQL: its moments as arrays.
_VALUES_BEFORE = text(
    """
SELECT u.series_id,
       (SELECT h.value FROM rollup_hourly h
        WHERE h.series_id = u.series_id AND h.observed_at <= u.moment
        ORDER BY h.bucket DESC LIMIT 1)
FROM unnest(CAST(:ids AS bigint[]), CAST(:moments AS timestamptz[])) AS u(series_id, moment)
"""
)


async def values_before(session: AsyncSession, moments: dict[int, datetime]) -> dict[int, int]:
    """Each series' last value observed at or before its moment (in its hourly buckets),
    by series id (none where it had none): one statement on PostgreSQL, one per 200 series
    on SQLite."""
    if not moments:
        return {}
    if is_postgres(session):
        rows = await session.execute(
            _VALUES_BEFORE, {"ids": list(moments), "moments": list(moments.values())}
        )
        return {series_id: value for series_id, value in rows.all() if value is not None}
    found: dict[int, int] = {}
    for chunk in chunked(list(moments.items()), 200):  # SQLite compounds 500 selects at most
        parts = [
            select(
                literal(series_id, BigInteger).label("series_id"),
                select(HourlyRollup.value)
                .where(HourlyRollup.series_id == series_id, HourlyRollup.observed_at <= moment)
                .order_by(HourlyRollup.bucket.desc())
                .limit(1)
                .scalar_subquery()
                .label("value"),
            )
            for series_id, moment in chunk
        ]
        rows = await session.execute(union_all(*parts) if len(parts) > 1 else parts[0])
        found |= {series_id: value for series_id, value in rows.all() if value is not None}
    return found


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
