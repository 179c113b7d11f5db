"""The days of a WeChat backfill: which an operator's request covers, which one run pulls,
and the calls each datacube API takes for them.

A regular run pulls the last `WINDOW_DAYS`; a backfill of up to `MAX_DAYS` pulls the
older days, newest first, at most `CHANNEL_SYNC_BACKFILL_DAYS_PER_DAY` of them in one
Beijing day (a portion). Each API is asked for no more days in a call than it answers
(PLATFORMS.md: `getarticletotal` one, `getusersummary` and `getusercumulate` seven), so a
portion of n days costs n `getarticletotal` calls and ceil(n / 7) of each follower API,
on top of the regular run's 7 and 1 and 1: that sum, not the backfill, meets the quota.
"""

from __future__ import annotations

from datetime import date, timedelta

WINDOW_DAYS = 7  # the days pulled each run: getarticletotal follows an article this long
MAX_DAYS = 90
# The longest span (days, both ends included) each datacube API answers in one call.
LONGEST_SPANS = {"getarticletotal": 1, "getusersummary": 7, "getusercumulate": 7}


def spans(first: date, last: date, longest: int) -> list[tuple[date, date]]:
    """[first, last] cut into consecutive spans of at most `longest` days, newest first."""
    cut: list[tuple[date, date]] = []
    end = last
    while end >= first:
        begin = max(first, end - timedelta(days=longest - 1))
        cut.append((begin, end))
        end = begin - timedelta(days=1)
    return cut


def requested(yesterday: date, days: int) -> tuple[date, date] | None:
    """The days a backfill of `days` (up to yesterday) adds to the regular window, or None
    when the window covers them already."""
    if days <= WINDOW_DAYS:
        return None
    return yesterday - timedelta(days=days - 1), yesterday - timedelta(days=WINDOW_DAYS)


def portion(first: date, until: date, days_per_portion: int) -> tuple[date, date]:
    """The newest `days_per_portion` days of the pending [first, until]."""
    return max(first, until - timedelta(days=days_per_portion - 1)), until


def calls(first: date, last: date) -> dict[str, int]:
    """The calls of each API that pulling [first, last] takes."""
    return {api: len(spans(first, last, span)) for api, span in LONGEST_SPANS.items()}
