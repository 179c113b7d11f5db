"""Channels' weekly posting slots: a weekday and a local time each, in the workspace time
zone; the queue turns them into moments (`moments`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from servicekit.auth import Caller
from servicekit.pagination import split_page
from servicekit.problems import Conflict, Invalid
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import canonical_id
from content_svc.kit.problems import found
from content_svc.kit.zones import resolve_local
from content_svc.models import QueueSlot
from content_svc.queue import repository
from content_svc.queue.schemas import SlotCreate, SlotUpdate
from content_svc.replicas.channels import ChannelLookup, check_channels

# More than three posts a day, every day, is more than any channel's audience reads.
SLOTS_PER_CHANNEL_MAX = 28


def moments(slots: Iterable[QueueSlot], tz: ZoneInfo, first_day: date, days: int) -> set[datetime]:
    """The UTC moments of `slots` on `days` local days from `first_day` (a slot in a
    skipped DST hour moves forward with the clock, see `resolve_local`)."""
    weekly = [(slot.weekday, time.fromisoformat(slot.local_time)) for slot in slots]
    found_moments: set[datetime] = set()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for weekday, at in weekly:
            if weekday == day.weekday():
                found_moments.add(resolve_local(datetime.combine(day, at), tz))
    return found_moments


async def add_slot(
    session: AsyncSession, caller: Caller, data: SlotCreate, channels: ChannelLookup
) -> QueueSlot:
    channel_id = checked_channel_id(data.channel_id)
    assert channel_id is not None  # the request requires one
    check = (await check_channels(session, caller.workspace_id, [channel_id], channels))[channel_id]
    if not check.live:
        raise Invalid.field("channel_id", f"{check.problem}: {channel_id}")
    count = await session.scalar(
        select(func.count()).where(
            QueueSlot.workspace_id == caller.workspace_id, QueueSlot.channel_id == channel_id
        )
    )
    if (count or 0) >= SLOTS_PER_CHANNEL_MAX:
        raise Invalid.field(
            "channel_id", f"the channel has {SLOTS_PER_CHANNEL_MAX} slots, the most it may have"
        )
    slot = QueueSlot(
        workspace_id=caller.workspace_id,
        channel_id=channel_id,
        weekday=data.weekday,
        local_time=data.local_time,
    )
    await _refuse_twin(session, slot)
    session.add(slot)
    await session.flush()
    return slot


async def change_slot(
    session: AsyncSession, caller: Caller, slot_id: str, data: SlotUpdate
) -> QueueSlot:
    """A changed slot serves later queue requests; posts queued into it keep their time."""
    slot = found(await repository.get_slot(session, caller.workspace_id, slot_id), "slot", slot_id)
    if data.weekday is not None:
        slot.weekday = data.weekday
    if data.local_time is not None:
        slot.local_time = data.local_time
    await _refuse_twin(session, slot)
    await session.flush()
    return slot


async def remove_slot(session: AsyncSession, caller: Caller, slot_id: str) -> None:
    """Posts queued into the slot keep their time: they were promised it."""
    slot = found(await repository.get_slot(session, caller.workspace_id, slot_id), "slot", slot_id)
    await session.delete(slot)
    await session.flush()


async def _refuse_twin(session: AsyncSession, slot: QueueSlot) -> None:
    twin = await session.scalar(
        select(QueueSlot.id).where(
            QueueSlot.workspace_id == slot.workspace_id,
            QueueSlot.channel_id == slot.channel_id,
            QueueSlot.weekday == slot.weekday,
            QueueSlot.local_time == slot.local_time,
            QueueSlot.id != (slot.id or ""),
        )
    )
    if twin is not None:
        raise Conflict(
            "The channel already has a slot at this weekday and time.", existing_slot_id=twin
        )


async def list_slots(
    session: AsyncSession,
    caller: Caller,
    *,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[QueueSlot], str | None]:
    rows = await repository.list_slots(
        session,
        caller.workspace_id,
        channel_id=checked_channel_id(channel_id),
        limit=limit,
        cursor=cursor,
    )
    return split_page(rows, limit)


def checked_channel_id(channel_id: str | None) -> str | None:
    """A channel filter in its canonical spelling; a 422 naming `channel_id` for no id."""
    if channel_id is None:
        return None
    canonical = canonical_id(channel_id)
    if canonical is None:
        raise Invalid.field("channel_id", f"{channel_id!r} is not a channel id")
    return canonical
