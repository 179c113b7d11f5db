"""Request and response models of the campaigns API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
)
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.campaigns.status import CampaignStatus
from content_svc.posts.schemas import (
    MAX_CHANNELS,
    MAX_LABELS,
    ChannelId,
    Labels,
    Performance,
    PostChannelRead,
)

NAME_MAX = 200
MAX_GOALS = 20
BUDGET_MAX = 1e13

Objective = Literal["awareness", "followers", "engagement", "conversions"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]
# Strict: "5000" or true is not a goal; an integer is.
Goal = Annotated[float, Field(strict=True, ge=0, le=BUDGET_MAX, allow_inf_nan=False)]
GoalName = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Budget = Annotated[float, Field(strict=True, ge=0, le=BUDGET_MAX, allow_inf_nan=False)]
# Written in upper case, whatever case it came in.
Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{3}$"),
    AfterValidator(str.upper),
    Field(examples=["CNY"]),
]
OperatorId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CampaignId = Annotated[str, StringConstraints(min_length=1, max_length=64)]

GOALS_DOC = (
    "Figures aimed for over the campaign, by our metric name (reads, readers, likes, "
    "comments, shares, favorites, clicks, conversions, followers, follows_gained, unfollows)."
)
STATUS_DOC = (
    "Set the status explicitly; null (or absent) lets the dates decide: planned before "
    "`starts_at`, running until `ends_at`, finished from then on."
)


class CampaignCreate(RequestModel):
    name: Name
    objective: Objective
    goals: dict[GoalName, Goal] = Field(
        default_factory=dict, max_length=MAX_GOALS, description=GOALS_DOC
    )
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="After `starts_at`.")
    channel_ids: list[ChannelId] = Field(default_factory=list, max_length=MAX_CHANNELS)
    budget: Budget | None = None
    currency: Currency = Field(default="CNY", description="ISO 4217 code of the budget.")
    tags: Labels = Field(default_factory=list, max_length=MAX_LABELS)
    owner_id: OperatorId | None = Field(
        default=None, description="The operator in charge; the creator when absent."
    )
    status: CampaignStatus | None = Field(default=None, description=STATUS_DOC)


class CampaignUpdate(RequestModel):
    """A change: the version it started from, and only the fields that change."""

    version: int = Field(ge=1, description="The campaign's version this change started from.")
    name: Name | None = None
    objective: Objective | None = None
    goals: dict[GoalName, Goal] | None = Field(
        default=None, max_length=MAX_GOALS, description=GOALS_DOC + " Replaces all goals."
    )
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    channel_ids: list[ChannelId] | None = Field(default=None, max_length=MAX_CHANNELS)
    budget: Budget | None = Field(default=None, description="null removes the budget.")
    currency: Currency | None = None
    tags: Labels | None = Field(default=None, max_length=MAX_LABELS)
    owner_id: OperatorId | None = None
    status: CampaignStatus | None = Field(default=None, description=STATUS_DOC)

    @field_validator(
        "name",
        "objective",
        "goals",
        "starts_at",
        "ends_at",
        "channel_ids",
        "currency",
        "tags",
        "owner_id",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be changed but not removed")
        return value


class CampaignFilter(BaseModel):
    """The list's filters (query parameters); absent ones do not filter."""

    status: CampaignStatus | None = None
    objective: Objective | None = None
    tag: str | None = Field(default=None, min_length=1, max_length=50)
    q: str | None = Field(
        default=None, min_length=1, max_length=200, description="Text in the name"
    )


class CampaignRead(ResponseModel):
    id: str
    name: str
    objective: str
    goals: dict[str, float]
    starts_at: datetime
    ends_at: datetime
    channel_ids: list[str]
    budget: float | None
    currency: str
    tags: list[str]
    owner_id: str
    status: CampaignStatus
    status_override: CampaignStatus | None = Field(
        description="The explicitly set status, or null when the dates decide."
    )
    post_count: int
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class CampaignPost(ResponseModel):
    """A post of the campaign: where it is in the workflow and on each channel."""

    id: str
    title: str
    status: str
    author_id: str
    created_at: datetime
    published_at: datetime | None
    scheduled_at: datetime | None
    scheduled_channel_ids: list[str]
    channels: list[PostChannelRead]
    performance: Performance | None


class CampaignIdea(ResponseModel):
    id: str
    title: str
    status: str
    origin: str
    post_id: str | None
    created_at: datetime


class CampaignProgress(ResponseModel):
    """Counts for the page's header: posts by workflow status, deliveries by outcome."""

    posts_by_status: dict[str, int]
    deliveries_by_status: dict[str, int]


class CampaignPage(CampaignRead):
    progress: CampaignProgress
    posts: list[CampaignPost]
    ideas: list[CampaignIdea]
