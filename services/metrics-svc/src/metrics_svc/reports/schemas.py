from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SentimentCounts(BaseModel):
    """Interactions with text, by the sentiment of the text (user-svc, textkit)."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    negative_share: float | None = Field(
        default=None, description="negative / all three; null without interactions"
    )


class BenchmarkReport(BaseModel):
    metric: str
    age_hours: int | None = Field(description="The age compared at (hours since publication).")
    value: int | None
    peers: int = Field(description="Posts on the channel compared with.")
    median: float | None
    mean: float | None
    p25: float | None
    p75: float | None
    ratio: float | None
    percentile: int | None
    verdict: str | None = Field(
        description="underperforming (< 0.7 x median), on_par, outperforming (> 1.3 x "
        "median); null when there are too few peers."
    )
    reason: str


class CurvePoint(BaseModel):
    at: datetime
    age_hours: float
    value: int


class PostChannelReport(BaseModel):
    channel_id: str
    name: str | None
    platform: str | None
    external_id: str | None
    url: str | None
    published_at: datetime
    totals: dict[str, int]
    comments_from_community: bool = Field(
        description="The platform reports no comments: the count comes from the comments "
        "received through the community inbox."
    )
    engagement_rate: float | None
    conversion_rate: float | None
    click_conversion_rate: float | None = Field(description="conversions / clicks")
    conversion_value: dict[str, float] = Field(
        default_factory=dict, description="Reported conversions' value, per currency."
    )
    benchmark: BenchmarkReport
    curve: list[CurvePoint]
    sentiment: SentimentCounts = Field(
        description="The post's interactions with text on this channel's platform"
    )


class PostReport(BaseModel):
    post_id: str
    title: str | None
    published_at: datetime
    tags: list[str]
    keywords: list[str]
    totals: dict[str, int]
    engagement_rate: float | None = Field(
        description="(likes + comments + shares + favorites) / reads"
    )
    conversion_rate: float | None = Field(description="conversions / reads")
    click_conversion_rate: float | None = Field(description="conversions / clicks")
    conversion_value: dict[str, float] = Field(
        description="Reported conversions' value (tracked links), per currency."
    )
    campaign_ids: list[str] = Field(description="The campaigns the post belongs to.")
    verdict: str | None = Field(description="The benchmark verdict on the post's main channel.")
    reason: str | None
    channels: list[PostChannelReport]
    curve: list[CurvePoint] = Field(description="Reads over all channels since publication.")
    sentiment: SentimentCounts = Field(description="The post's interactions with text")


class OverviewBucket(BaseModel):
    start: datetime
    reads: int
    engagement: int
    engagement_rate: float | None
    clicks: int
    conversions: int
    followers: int | None = Field(description="Followers at the end of the bucket, if reported.")
    followers_net: int
    follows_gained: int
    unfollows: int


class OverviewChannel(BaseModel):
    channel_id: str
    name: str | None
    platform: str | None
    buckets: list[OverviewBucket]


class Overview(BaseModel):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    interval: str
    channels: list[OverviewChannel]
    totals: list[OverviewBucket]

    model_config = {"populate_by_name": True}


class ChannelSummary(BaseModel):
    channel_id: str
    name: str | None
    platform: str | None
    posts: int = Field(description="Posts that went live on the channel in the period.")
    reads: int
    reads_per_post: float | None
    engagement: int
    engagement_rate: float | None
    clicks: int
    conversions: int
    conversion_rate: float | None
    click_conversion_rate: float | None = Field(description="conversions / clicks")
    conversion_value: dict[str, float] = Field(
        description="Value of the conversions reported in the period, per currency."
    )
    followers: int | None
    followers_net: int
    follows_gained: int
    unfollows: int
    sentiment: SentimentCounts = Field(
        description="Interactions with text in the period on the channel's posts"
    )


class ChannelsReport(BaseModel):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    channels: list[ChannelSummary]

    model_config = {"populate_by_name": True}


class TopPost(BaseModel):
    post_id: str
    title: str | None
    published_at: datetime | None
    metric: str
    value: int


class BestSlot(BaseModel):
    weekday: int = Field(description="0 Monday ... 6 Sunday, in the report's time zone")
    hour: int
    posts: int
    median: float
    mean: float


class BestHour(BaseModel):
    hour: int
    posts: int
    median: float


class ChannelBestTimes(BaseModel):
    channel_id: str
    name: str | None
    platform: str | None
    posts: int = Field(description="Posts with a figure at the compared age (the sample).")
    answer: bool = Field(description="False when the data is too thin to say.")
    reason: str
    best: list[BestSlot] = Field(description="The best hours of the week, best first.")
    slots: list[BestSlot] = Field(description="Every hour of the week with enough posts.")
    by_hour: list[BestHour] = Field(description="Hours of the day with enough posts.")
    thin_slots: int = Field(description="Hours of the week with posts, but too few to judge.")


class BestTimes(BaseModel):
    metric: str
    age_hours: int
    timezone: str
    min_posts_per_slot: int
    channels: list[ChannelBestTimes]


class InsightGroup(BaseModel):
    key: str
    label: str
    posts: int = Field(description="Sample size: posts in the group.")
    enough: bool = Field(description="False when the sample is below min_posts.")
    median_value: float
    mean_value: float
    index: float | None = Field(
        description="How the group's typical post compares with the norm: the median of its "
        "posts' value / their channel's median at the same age (by platform: the group's "
        "median / the median of all posts); null when no channel has enough posts."
    )
    post_ids: list[str] = Field(description="The posts behind the figure, best first.")


class InsightDimension(BaseModel):
    dimension: str = Field(
        description="tag, keyword, title_length, weekday, hour, weekday_hour or platform"
    )
    groups: list[InsightGroup]


class ContentInsights(BaseModel):
    metric: str
    age_hours: int
    days: int
    timezone: str
    min_posts: int
    posts: int = Field(description="Posts that reached the age in the period (the sample).")
    basis: str
    summary: list[str] = Field(description="What works, in plain words, strongest first.")
    dimensions: list[InsightDimension]
