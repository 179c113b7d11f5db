"""Posting windows: the hours of the week a channel may publish, in its own time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PostingWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(
        default_factory=lambda: list(range(7)),
        description="Days of the week, 0 = Monday ... 6 = Sunday.",
        min_length=1,
        max_length=7,
    )
    start: time = Field(description="Local time, e.g. 08:30.")
    end: time = Field(description="Local time, after start, e.g. 22:00.")

    @model_validator(mode="after")
    def _check(self) -> PostingWindow:
        if any(day < 0 or day > 6 for day in self.days):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def next_opening(windows: list[dict[str, Any]], timezone: str, now: datetime) -> datetime:
    """`now` when it falls in a window (or there are none), else the next window's start."""
    if not windows:
        return now
    parsed = [PostingWindow.model_validate(w) for w in windows]
    tz = zone(timezone)
    local = now.astimezone(tz)
    best: datetime | None = None
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        for window in parsed:
            if day.weekday() not in window.days:
                continue
            start = datetime.combine(day, window.start, tzinfo=tz)
            end = datetime.combine(day, window.end, tzinfo=tz)
            if start <= local < end:
                return now
            if start > local and (best is None or start < best):
                best = start
        if best is not None:
            break
    return best.astimezone(now.tzinfo) if best is not None else now
