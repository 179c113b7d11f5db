"""Request and response models of the posting queue: channels' weekly slots and the posts
queued into them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.posts.schemas import ChannelId

# "HH:MM", 24-hour: a wall-clock time in the workspace time zone.
LocalTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(examples=["20:00"], description="A local time, HH:MM (24-hour)."),
]
Weekday = Annotated[int, Field(ge=0, le=6, examples=[1], description="0 Monday ... 6 Sunday.")]


class SlotCreate(RequestModel):
    channel_id: ChannelId
    weekday: Weekday
    local_time: LocalTime


class SlotUpdate(RequestModel):
    weekday: Weekday | None = None
    local_time: LocalTime | None = None


class SlotRead(ResponseModel):
    """A weekly posting time of a channel, in the workspace time zone."""

    id: str
    channel_id: str
    weekday: int = Field(examples=[1])
    local_time: str = Field(examples=["20:00"])
    created_at: datetime


class QueueMove(RequestModel):
    slot_at: AwareDatetime = Field(
        description="The free slot to move the queued post to: a slot time of each of its "
        "channels, with its UTC offset.",
        examples=["2026-12-10T20:00:00+08:00"],
    )


class QueuedRead(ResponseModel):
    """One channel's slot taken by a queued post."""

    post_id: str
    title: str = Field(examples=["春季新品发布会回顾"])
    channel_id: str
    slot_at: datetime = Field(
        description="With the workspace time zone's offset.",
        examples=["2026-12-08T20:00:00+08:00"],
    )
    local_time: str = Field(examples=["20:00"])
