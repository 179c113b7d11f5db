"""Segments in and out, and their rules: a member filter that can be saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from servicekit.schemas import RequestModel, ResponseModel

from user_svc.members.schemas import MemberFilter, Platform, Tag

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Days = Annotated[int, Field(ge=1, le=3650)]


class SegmentRules(RequestModel):
    """Every rule given must hold (AND); lists inside a rule are alternatives unless `_all`."""

    tags_any: list[Tag] = Field(default_factory=list, max_length=50)
    tags_all: list[Tag] = Field(default_factory=list, max_length=20)
    tags_none: list[Tag] = Field(default_factory=list, max_length=50)
    interests_any: list[Keyword] = Field(
        default_factory=list, max_length=50, examples=[["价格", "pricing"]]
    )
    platforms_any: list[Platform] = Field(default_factory=list, max_length=20)
    min_score: float | None = Field(default=None, ge=0, description="Engagement score, now")
    max_score: float | None = Field(default=None, ge=0)
    active_within_days: Days | None = Field(default=None, description="Seen in the last N days")
    inactive_for_days: Days | None = Field(default=None, description="Not seen for N days")
    interacted_with_post: str | None = Field(default=None, min_length=1, max_length=64)
    asked_question_within_days: Days | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SegmentRules:
        if (
            self.min_score is not None
            and self.max_score is not None
            and self.min_score > self.max_score
        ):
            raise ValueError("min_score is above max_score")
        return self

    def to_filter(self) -> MemberFilter:
        # Each rule is the member filter's condition of the same name.
        return MemberFilter(**dict(self))

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


class SegmentCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200, examples=["活跃粉丝：问过价格"])
    description: str | None = Field(default=None, max_length=2000)
    rules: SegmentRules = Field(
        examples=[{"interests_any": ["价格", "pricing"], "active_within_days": 30}]
    )


class SegmentUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rules: SegmentRules | None = None


class PreviewRequest(RequestModel):
    rules: SegmentRules


class SegmentCount(ResponseModel):
    count: int
    counted_at: datetime


class SegmentRead(ResponseModel):
    id: str
    name: str
    description: str | None
    rules: dict[str, Any]
    count: int | None = Field(description="Members matching now (null in lists unless asked)")
    counted_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class WechatTagRequest(RequestModel):
    channel_id: str = Field(
        min_length=1,
        max_length=64,
        description="The WeChat official account (channel) to tag the segment's members on.",
    )


class WechatTagRequested(ResponseModel):
    request_id: str
    segment_id: str
    channel_id: str
    members: int = Field(description="Members of the segment with an openid on the channel.")
    chunks: int = Field(description="Events of at most 500 openids the sync was split in.")
