"""Members' activity read and written for many members at once (ingestion's batches)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from servicekit.db import update_rows
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.members.service import Activity
from user_svc.models import Member


async def activity_of(session: AsyncSession, member_ids: Iterable[str]) -> dict[str, Activity]:
    """The activity of each of `member_ids`, by id, in one query (no objects in the session)."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(
            Member.id,
            Member.first_seen_at,
            Member.last_seen_at,
            Member.engagement_raw,
            Member.interaction_count,
            Member.question_count,
        ).where(Member.id.in_(ids))
    )
    return {
        row.id: Activity(
            member_id=row.id,
            first_seen_at=row.first_seen_at,
            last_seen_at=row.last_seen_at,
            engagement_raw=row.engagement_raw or 0.0,
            interaction_count=row.interaction_count or 0,
            question_count=row.question_count or 0,
        )
        for row in rows
    }


async def save_activity(
    session: AsyncSession, activities: Mapping[str, Activity], *, now: datetime
) -> None:
    """Write the members' activity back, in one executemany UPDATE."""
    await update_rows(
        session,
        Member,
        [
            {"id": member_id, **activity.columns(), "updated_at": now}
            for member_id, activity in activities.items()
        ],
    )
