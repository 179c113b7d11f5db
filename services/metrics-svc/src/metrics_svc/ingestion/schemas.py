from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field
from servicekit.schemas import RequestModel

MAX_POINTS = 10_000


class PointIn(RequestModel):
    """One figure. Name the post by our id, or by the channel and the platform's id of the
    copy; name only the channel for account figures (followers ...)."""

    post_id: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(
        default=None, max_length=200, description="The platform's id of the post (with channel_id)."
    )
    metric: str = Field(
        min_length=1,
        max_length=64,
        examples=["reads", "int_page_read_count"],
        description="Ours (reads, readers, likes, comments, shares, favorites, clicks, "
        "conversions, followers, follows_gained, unfollows) or the platform's own name.",
    )
    value: int = Field(description="Cumulative value at observed_at (never negative).")
    observed_at: AwareDatetime
    source: str | None = Field(default=None, max_length=64, examples=["wechat_datacube"])
    platform: str | None = Field(
        default=None,
        max_length=32,
        description="Whose vocabulary `metric` is in; defaults to the channel's platform.",
    )


class StatsBatchIn(RequestModel):
    points: list[PointIn] = Field(min_length=1)
    source: str = Field(default="api", max_length=64, description="Default source of the points.")
    platform: str | None = Field(default=None, max_length=32)


class PostTotalsOut(BaseModel):
    post_id: str
    totals: dict[str, int]
    verdict: str | None = None
    reason: str | None = None


class BatchOut(BaseModel):
    batch_id: str | None = Field(
        description="None when every point was already stored (nothing changed)."
    )
    points_received: int
    points_stored: int
    points_unchanged: int
    period_start: datetime | None
    period_end: datetime | None
    post_ids: list[str]
    channel_ids: list[str]
    post_totals: list[PostTotalsOut]


class RowProblem(BaseModel):
    line: int
    field: str
    reason: str


class ImportOut(BaseModel):
    dry_run: bool
    encoding: str
    rows: int
    valid_rows: int
    problems: list[RowProblem]
    problems_total: int
    batch: BatchOut | None = None
