"""Groups, stays in them and their activity, in and out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, Field
from servicekit.schemas import RequestModel, ResponseModel

CommunityKind = Literal[
    "wechat_group",
    "qq_group",
    "zhihu_circle",
    "douban_group",
    "xiaohongshu_fan_group",
    "weibo_fan_group",
    "other",
]
Role = Literal["owner", "admin", "member"]


class CommunityCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200, examples=["读者交流 1 群"])
    kind: CommunityKind
    external_id: str | None = Field(
        default=None, max_length=200, description="The group's id on its platform"
    )
    description: str | None = Field(default=None, max_length=2000)


class CommunityUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class CommunitySummary(ResponseModel):
    size: int = Field(description="Members in the group now")
    owners: int
    admins: int
    joined_last_30_days: int
    left_last_30_days: int
    active_last_7_days: int = Field(description="Current members seen in the last 7 days")


class CommunityRead(ResponseModel):
    id: str
    name: str
    kind: str
    external_id: str | None
    description: str | None
    summary: CommunitySummary
    created_at: datetime
    updated_at: datetime


class MembershipCreate(RequestModel):
    member_id: str = Field(min_length=1, max_length=64)
    role: Role = "member"
    joined_at: AwareDatetime | None = Field(default=None, description="Default: now")


class MembershipUpdate(RequestModel):
    role: Role


class MembershipRead(ResponseModel):
    id: str
    member_id: str
    display_name: str | None
    role: str
    joined_at: datetime
    left_at: datetime | None


class ActivityDay(ResponseModel):
    day: date
    joins: int
    leaves: int
    size: int = Field(description="Members at the end of the day (UTC)")
