from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class Rates(BaseModel):
    engagement_rate: float | None = Field(
        description="(likes + comments + shares + favorites) / reads"
    )
    conversion_rate: float | None = Field(description="conversions / reads")
    click_conversion_rate: float | None = Field(description="conversions / clicks")


class GoalDay(BaseModel):
    day: date
    gained: float
    value: float = Field(description="Achieved by the end of the day (cumulative).")
    expected: float = Field(description="The goal curve: goal x share of the campaign elapsed.")


class GoalProgress(BaseModel):
    metric: str
    goal: float
    achieved: float
    share: float | None = Field(description="achieved / goal")
    expected_now: float = Field(description="Where the goal curve stands now.")
    pace: float | None = Field(description="achieved / expected_now")
    status: str = Field(description="achieved, ahead, on_track, behind, not_started or unknown")
    projection: float | None = Field(description="Expected at the end date.")
    projected_share: float | None
    projection_method: str
    days: list[GoalDay]


class Costs(BaseModel):
    budget: float
    currency: str
    per_follower: float | None = Field(description="budget / new followers")
    per_conversion: float | None = Field(description="budget / conversions")
    per_click: float | None = Field(description="budget / clicks")


class CampaignChannel(Rates):
    channel_id: str
    name: str | None
    platform: str | None
    totals: dict[str, int]
    conversion_value: dict[str, float] = Field(description="Per currency.")


class CampaignPostFigures(Rates):
    post_id: str
    title: str | None
    published_at: datetime | None
    totals: dict[str, int]
    conversion_value: dict[str, float]


class CampaignFacts(Rates):
    """What a campaign is: the part its report and its summary share."""

    campaign_id: str
    name: str
    objective: str
    status: str
    tags: list[str]
    starts_at: datetime
    ends_at: datetime


class CampaignReport(CampaignFacts):
    elapsed_share: float = Field(description="Share of the campaign's time that has passed.")
    budget: float | None
    currency: str
    totals: dict[str, int] = Field(
        description="Gained between the start and the end date (followers: the net change "
        "of the campaign's channels)."
    )
    conversion_value: dict[str, float] = Field(description="Per currency.")
    goals: list[GoalProgress]
    costs: Costs | None = Field(description="Where a budget is set.")
    channels: list[CampaignChannel]
    posts: list[CampaignPostFigures]


class GoalSummary(BaseModel):
    goal: float
    achieved: float
    share: float | None


class CampaignSummary(CampaignFacts):
    days: float
    posts: int
    channels: int
    budget: float | None
    currency: str
    totals: dict[str, int]
    conversion_value: dict[str, float]
    goals: dict[str, GoalSummary]
    costs: Costs | None


class CampaignComparison(BaseModel):
    campaigns: list[CampaignSummary]
    basis: str = Field(description="What the figures cover, in words.")
