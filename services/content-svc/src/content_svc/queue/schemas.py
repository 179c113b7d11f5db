"""Request and response models of the posting queue: channels' weekly slots and the posts
queued into them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

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
        description="The free slot to move the queued post to, with its UTC offset: a slot "
        "time of `channel_id`, or, without one, of each of the post's channels.",
        examples=["2026-12-10T20:00:00+08:00"],
    )
    channel_id: ChannelId | None = Field(
        default=None,
        description="Move the post on this channel only (each channel of a queued post has "
        "its own slot); absent: on all its channels.",
    )


# Where a queued post stands on one channel, as content-svc knows it from channel-svc's
# outcomes: waiting for its time, its time passed without an outcome yet, out, or not.
ChannelState = Literal["scheduled", "sending", "published", "failed"]


class QueuedChannel(ResponseModel):
    """One channel of a queued post, and where the post stands there."""

    channel_id: str = Field(examples=["5d0c8a52-3f7e-4b1a-9c2d-7e6f5a4b3c21"])
    state: ChannelState = Field(
        examples=["published"],
        description="`scheduled`: waiting for its time; `sending`: its time has passed and "
        "channel-svc has not reported yet; `published`: out; `failed`: it failed, was "
        "cancelled, or the platform took it down (the reasons are on GET /posts/{id}).",
    )
    at: datetime | None = Field(
        examples=["2026-12-08T09:00:00+08:00"],
        description="With the workspace time zone's offset: when it goes out there "
        "(`scheduled`, `sending`), or when channel-svc reported its outcome.",
    )


class QueuedRead(ResponseModel):
    """One channel's slot taken by a queued post, with where the post stands on each of
    its channels (a post queued for several goes out on each at its own slot)."""

    post_id: str = Field(examples=["0b7c9f3e-2a51-4f0e-9d7c-5c1a2b3d4e5f"])
    title: str = Field(examples=["春季新品发布会回顾"])
    channel_id: str = Field(examples=["8a1e2b3c-4d5f-4a6b-8c7d-9e0f1a2b3c4d"])
    slot_at: datetime = Field(
        description="With the workspace time zone's offset.",
        examples=["2026-12-08T20:00:00+08:00"],
    )
    local_time: str = Field(examples=["20:00"])
    post_status: Literal["scheduled", "published"] = Field(
        examples=["published"],
        description="`published` once the post went out at its earliest slot (or, for a "
        "recurring post, once an occurrence was released); this entry's channel still "
        "waits for its own slot.",
    )
    channels: list[QueuedChannel] = Field(
        description="Every channel of the post, in channel id order, with its state."
    )
