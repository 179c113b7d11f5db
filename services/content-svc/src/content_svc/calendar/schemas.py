"""Response models of the calendar: a bounded range of local days with the posts scheduled
or published on each, and the campaigns running in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field
from servicekit.schemas import ResponseModel

# A quarter at most: a month view with the weeks around it fits, a year does not.
RANGE_DAYS_MAX = 92

EntryKind = Literal["scheduled", "published"]


class CalendarChannel(ResponseModel):
    """One channel of an entry and where the post stands there."""

    channel_id: str
    platform: str | None = Field(examples=["wechat_oa"])
    name: str | None = Field(examples=["品牌服务号"])
    status: str = Field(
        examples=["pending"],
        description="`scheduled` (or `queued`) until it goes out, then pending, succeeded, "
        "failed or taken_down",
    )
    at: datetime = Field(
        description="When the post goes out on this channel, with the workspace time zone's "
        "offset: the entry's time, or later where the posting queue gave the channel a slot "
        "of its own.",
        examples=["2026-12-08T21:00:00+08:00"],
    )


class CalendarEntry(ResponseModel):
    """A post on the calendar, at the time it is scheduled for or went out."""

    post_id: str
    title: str = Field(examples=["春季新品发布会回顾"])
    kind: EntryKind = Field(examples=["scheduled"])
    queued: bool = Field(description="Scheduled by the posting queue (it holds slots).")
    at: datetime = Field(
        description="The moment, with the workspace time zone's offset.",
        examples=["2026-12-08T20:00:00+08:00"],
    )
    local_time: str = Field(examples=["20:00"])
    campaign_id: str | None
    channels: list[CalendarChannel]


class CalendarDay(ResponseModel):
    date: date
    entries: list[CalendarEntry] = Field(description="Oldest first.")


class CalendarCampaign(ResponseModel):
    """A campaign running on some day of the range, with its local first and last day."""

    id: str
    name: str = Field(examples=["双十二大促"])
    starts_at: datetime
    ends_at: datetime
    first_day: date
    last_day: date
    channel_ids: list[str]


class CalendarRead(ResponseModel):
    time_zone: str = Field(examples=["Asia/Shanghai"])
    first_day: date = Field(examples=["2026-12-01"])
    last_day: date = Field(examples=["2026-12-31"])
    days: list[CalendarDay] = Field(description="Every day of the range, in order.")
    campaigns: list[CalendarCampaign]
