"""Request and response models of the posts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    ValidationInfo,
    field_validator,
)
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.kit.zones import TimeZoneName
from content_svc.models import BODY_MAX, SUMMARY_MAX, TITLE_MAX, URL_MAX, PostStatus

MAX_LABELS = 30
MAX_CHANNELS = 50
CHANNEL_ID_MAX = 64
COMMENT_MAX = 2000
TIME_ZONE_DOC = (
    "The workspace time zone (IANA name): the calendar's days and the posting queue's "
    "slots are in it."
)

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# Markdown keeps its whitespace: leading spaces make code blocks, trailing ones line breaks.
Markdown = Annotated[str, StringConstraints(strip_whitespace=False, max_length=BODY_MAX)]
CoverUrl = Annotated[HttpUrl, UrlConstraints(max_length=URL_MAX)]
ChannelId = Annotated[str, StringConstraints(min_length=1, max_length=CHANNEL_ID_MAX)]
SegmentId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
CampaignRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MediaRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_MEDIA = 50
MEDIA_IDS_DOC = "Media library items (`/media`), in the order the post shows them."


def _unique(values: list[str]) -> list[str]:
    """Drop repeated labels (case-insensitively), keeping the first spelling and the order."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def _none_if_blank(value: str | None) -> str | None:
    return value or None


# Tags and keywords: repeated ones dropped, case-insensitively.
Labels = Annotated[list[Label], AfterValidator(_unique)]
# A blank summary is no summary.
Summary = Annotated[str | None, AfterValidator(_none_if_blank)]


class PostCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "春季新品发布会",
                    "body_markdown": "# 春季新品\n\n三月十日，新品在上海发布。",
                    "summary": "三月十日上海发布会的看点",
                    "tags": ["新品", "发布会"],
                    "keywords": ["春季新品"],
                }
            ]
        }
    )

    title: Title
    body_markdown: Markdown
    summary: Summary = Field(default=None, max_length=SUMMARY_MAX)
    cover_url: CoverUrl | None = None
    tags: Labels = Field(default_factory=list, max_length=MAX_LABELS)
    keywords: Labels = Field(default_factory=list, max_length=MAX_LABELS)
    campaign_id: CampaignRef | None = Field(
        default=None, description="The campaign the post belongs to."
    )
    media_ids: list[MediaRef] = Field(
        default_factory=list, max_length=MAX_MEDIA, description=MEDIA_IDS_DOC
    )


class PostUpdate(RequestModel):
    """An edit: the version it started from, and only the fields that change."""

    version: int = Field(ge=1, description="The post's version this edit started from.")
    title: Title | None = None
    body_markdown: Markdown | None = None
    summary: Summary = Field(default=None, max_length=SUMMARY_MAX)
    cover_url: CoverUrl | None = None
    tags: Labels | None = Field(default=None, max_length=MAX_LABELS)
    keywords: Labels | None = Field(default=None, max_length=MAX_LABELS)
    campaign_id: CampaignRef | None = Field(
        default=None,
        description="Move the post to this campaign; null takes it out of its campaign. "
        "Changing only the campaign is allowed in every status and keeps the version.",
    )
    media_ids: list[MediaRef] | None = Field(
        default=None, max_length=MAX_MEDIA, description=MEDIA_IDS_DOC + " Replaces the list."
    )

    @field_validator("title", "body_markdown", "media_ids")
    @classmethod
    def _not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may be changed but not removed")
        return value


class RestoreRequest(RequestModel):
    version: int = Field(ge=1, description="The post's current version (the edit starts there).")


class ChannelOptions(RequestModel):
    mode: Literal["publish", "mass_send"] = Field(
        default="publish",
        description="`mass_send` (WeChat official accounts only): sent to the followers "
        "(群发) instead of only published; a subscription account mass-sends once a day, a "
        "second one waits for the next Beijing midnight.",
    )
    segment_id: SegmentId | None = Field(
        default=None,
        description="`mass_send` only: the segment whose synced WeChat tag receives it "
        "(POST /segments/{id}/wechat-tags); null: all followers.",
    )


class PublishRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel_ids": ["0b6f3c1e-5d2a-4c8e-9f47-2a1d3b4c5e6f"],
                    "scheduled_at": "2026-03-10T02:00:00Z",
                }
            ]
        }
    )

    channel_ids: list[ChannelId] = Field(min_length=1, max_length=MAX_CHANNELS)
    scheduled_at: AwareDatetime | None = Field(
        default=None, description="Publish at this time (UTC offset required); now if absent."
    )
    channel_options: dict[ChannelId, ChannelOptions] = Field(
        default_factory=dict,
        max_length=MAX_CHANNELS,
        description="Per channel id (one of `channel_ids`), how the post goes out there; "
        "channels not named are published as usual.",
    )
    queue: bool = Field(
        default=False,
        description="Put the post in the posting queue: each channel takes its own next "
        "free slot (GET /queue/slots), ranked by that channel's best times, so the channels "
        "may go out at different times (`channel_send_at`); the post is scheduled at the "
        "earliest. Not with `scheduled_at`.",
    )

    @field_validator("queue")
    @classmethod
    def _queue_or_time(cls, queue: bool, info: ValidationInfo) -> bool:
        if queue and info.data.get("scheduled_at") is not None:
            raise ValueError("the queue takes the time from the slots: leave out scheduled_at")
        return queue


class ReviewComment(RequestModel):
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)


class ApprovalRequest(RequestModel):
    """An approval names the version the reviewer read: an edit made meanwhile is not
    approved unseen."""

    version: int = Field(ge=1, description="The post's version the reviewer read and approves.")
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)


class ChangesRequested(RequestModel):
    comment: str = Field(min_length=1, max_length=COMMENT_MAX)


class ReviewSettingsUpdate(RequestModel):
    require_review: bool | None = None
    owners_may_skip_review: bool | None = None
    allow_self_approval: bool | None = None
    time_zone: TimeZoneName | None = Field(default=None, description=TIME_ZONE_DOC)


class ReviewSettingsRead(ResponseModel):
    require_review: bool
    owners_may_skip_review: bool
    allow_self_approval: bool
    time_zone: str = Field(description=TIME_ZONE_DOC, examples=["Asia/Shanghai"])


class DeliveryFailure(ResponseModel):
    code: str
    message: str
    position: int | None = None


class PostChannelRead(ResponseModel):
    """Where a post went and how it went there (pending until channel-svc reports)."""

    channel_id: str
    platform: str | None
    status: str
    url: str | None
    external_id: str | None
    reasons: list[DeliveryFailure]
    updated_at: datetime


class Performance(ResponseModel):
    """The latest figures metrics-svc reported for the post, and its verdict on them."""

    reads: int | None
    engagement: int | None
    verdict: str | None
    totals: dict[str, int]
    period_end: datetime | None


class PostVariantRef(ResponseModel):
    """A channel the post is written differently for (`/posts/{id}/variants/{channel_id}`)."""

    channel_id: str
    version: int
    updated_at: datetime


class PostSummary(ResponseModel):
    """A post in a list: everything but the bodies."""

    id: str
    title: str
    summary: str | None
    cover_url: str | None
    tags: list[str]
    keywords: list[str]
    status: str
    version: int
    author_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    scheduled_at: datetime | None
    scheduled_channel_ids: list[str]
    channel_send_at: dict[str, datetime] = Field(
        default_factory=dict,
        description="A queued post: per channel id, the channel's own queue slot, when the "
        "post goes out there. The post is published at the earliest (`scheduled_at`); each "
        "other channel's distribution waits for its slot. Empty for a post scheduled or "
        "published at one time for all its channels.",
    )
    idea_id: str | None
    campaign_id: str | None
    channels: list[PostChannelRead]
    performance: Performance | None
    variants: list[PostVariantRef] = Field(
        default_factory=list,
        description="The channels with a version of the post of their own, and its version.",
    )


class PostRead(PostSummary):
    body_markdown: str
    body_html: str = Field(
        description="The body rendered. Library images (`![alt](media:<id>)` in the Markdown) "
        "are at their signed, time-limited URLs in the answers to creating, reading and "
        "editing the post; other answers keep them as `media:<id>`."
    )
    media_ids: list[str] = Field(description=MEDIA_IDS_DOC)


PostSort = Literal["newest", "performance"]


class PostFilter(BaseModel):
    """The list's order and filter (query parameters)."""

    sort: PostSort = "newest"
    status: PostStatus | None = None


class RevisionRead(ResponseModel):
    version: int
    title: str
    body_markdown: str
    summary: str | None
    cover_url: str | None
    tags: list[str]
    keywords: list[str]
    editor_id: str
    note: str | None
    created_at: datetime


class TransitionRead(ResponseModel):
    action: str
    from_status: str
    to_status: str
    actor_id: str
    comment: str | None
    version: int
    at: datetime
