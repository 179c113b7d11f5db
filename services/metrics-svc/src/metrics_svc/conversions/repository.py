"""The conversions' queries: a reported conversion, and what a conversion names."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from servicekit.db import dialect_insert
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.models import Campaign, Channel, ChannelDailyRollup, Conversion

M = TypeVar("M", Campaign, Channel)


async def by_conversion_id(
    session: AsyncSession, workspace_id: str, conversion_id: str
) -> Conversion | None:
    """The conversion the shop reported under its own id."""
    return await session.scalar(
        select(Conversion).where(
            Conversion.workspace_id == workspace_id, Conversion.conversion_id == conversion_id
        )
    )


async def named(session: AsyncSession, model: type[M], workspace_id: str, name: str) -> list[M]:
    """The campaigns or channels (not deleted) whose id is `name` or whose name is, in any
    case."""
    return list(
        await session.scalars(
            select(model).where(
                model.workspace_id == workspace_id,
                model.deleted.is_(False),
                or_(model.id == name, func.lower(model.name) == name.lower()),
            )
        )
    )


async def count_on_channel(
    session: AsyncSession, workspace_id: str, channel_id: str, day: datetime
) -> None:
    """One conversion more on the channel's day (conversions that name no post)."""
    insert = dialect_insert(session, ChannelDailyRollup).values(
        workspace_id=workspace_id,
        day=day,
        channel_id=channel_id,
        metric="conversions",
        account=False,
        gain=1,
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "day", "channel_id", "metric", "account"],
            set_={"gain": ChannelDailyRollup.gain + 1},
        )
    )
