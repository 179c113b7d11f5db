"""Time buckets (UTC hours, days, Monday-started weeks) and the time zones callers name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicekit.problems import Invalid


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def week_floor(moment: datetime) -> datetime:
    day = day_floor(moment)
    return day - timedelta(days=day.weekday())


def day_start(day: date) -> datetime:
    """The start of a UTC day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def time_zone(name: str) -> ZoneInfo:
    """The zone the `timezone` query parameter names; a 422 naming it otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid.field("query.timezone", f"unknown time zone {name!r}") from exc
