"""Slots become moments in the workspace time zone, one per local time, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from content_svc.models import QueueSlot
from content_svc.queue.slots import moments

NEW_YORK = ZoneInfo("America/New_York")


def _sunday(local_time: str) -> QueueSlot:
    return QueueSlot(workspace_id="w", channel_id="c", weekday=6, local_time=local_time)


def test_a_slot_in_the_skipped_spring_hour_moves_forward_with_the_clock() -> None:
    # 2027-03-14: New York's clocks go from 02:00 to 03:00.
    found = moments([_sunday("02:30"), _sunday("09:00")], NEW_YORK, date(2027, 3, 14), 1)

    assert found == {
        datetime(2027, 3, 14, 7, 30, tzinfo=UTC),  # 03:30 EDT
        datetime(2027, 3, 14, 13, 0, tzinfo=UTC),  # 09:00 EDT, not EST
    }


def test_a_slot_in_the_repeated_autumn_hour_is_taken_once_at_its_first_occurrence() -> None:
    # 2026-11-01: 01:00-02:00 happens twice in New York.
    found = moments([_sunday("01:30")], NEW_YORK, date(2026, 11, 1), 1)

    assert found == {datetime(2026, 11, 1, 5, 30, tzinfo=UTC)}  # 01:30 EDT


def test_slots_repeat_weekly_on_their_weekday_only() -> None:
    found = moments([_sunday("20:00")], ZoneInfo("Asia/Shanghai"), date(2026, 12, 7), 14)

    assert sorted(found) == [
        datetime(2026, 12, 13, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 20, 12, 0, tzinfo=UTC),
    ]
