"""The workspace time zone: an IANA name checked against zoneinfo, and local days and
times turned into UTC moments (DST-safe: zoneinfo knows each zone's rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, Field


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in _known_zones():
        raise ValueError(f"{name!r} is not an IANA time zone (such as Asia/Shanghai)")
    return name


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Asia/Shanghai"]),
    AfterValidator(_known_zone),
]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first moment of `day` in `tz` (midnight, or later where a DST change skips it)."""
    return resolve_local(datetime.combine(day, time(0, 0)), tz)


def resolve_local(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC moment a naive wall-clock time names in `tz`. fold=0 takes the earlier of a
    repeated hour (autumn) and moves a time in a skipped hour (spring) forward by the gap,
    so that every local time names exactly one moment."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
