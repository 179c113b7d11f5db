from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field
from servicekit.schemas import RequestModel

MAX_POINTS = 10_000


class StatPointCreate(RequestModel):
    """One figure. Name the post by our id, or by the channel and the platform's id of the
    copy; name only the channel for account figures (followers ...).

    History: a post that went live before the workspace used Mediaops is named by its channel
    and platform id, with `published_at` (and, if known, `title` and `url`). The first point
    naming such a copy records it as a post of the workspace (id `hist_...`, the same on
    every import), so that it counts in reports and is a peer in benchmarks; later points
    may name it by channel and platform id alone."""

    post_id: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(
        default=None, max_length=200, description="The platform's id of the post (with channel_id)."
    )
    published_at: AwareDatetime | None = Field(
        default=None,
        description="When the post named by channel_id + external_id went live on the "
        "channel. For a copy Mediaops does not know yet, it records the post as history; for "
        "a known copy it must match the time known (within 5 minutes), else the point is "
        "refused. Not in the future; figures observed more than 1 h before it are refused.",
    )
    title: str | None = Field(
        default=None,
        max_length=500,
        description="The title of a post recorded as history (kept from the first import).",
    )
    url: str | None = Field(
        default=None,
        max_length=2048,
        description="Where a post recorded as history can be read (kept from the first import).",
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


class StatBatchCreate(RequestModel):
    points: list[StatPointCreate] = Field(min_length=1)
    source: str = Field(default="api", max_length=64, description="Default source of the points.")
    platform: str | None = Field(default=None, max_length=32)


class BatchPostTotals(BaseModel):
    post_id: str
    totals: dict[str, int]
    verdict: str | None = None
    reason: str | None = None


class StatBatchRead(BaseModel):
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
    post_totals: list[BatchPostTotals]
    posts_recorded: list[str] = Field(
        default_factory=list,
        description="Ids of the earlier posts this batch recorded as history (points naming "
        "an unknown copy with its published_at); empty when every copy was known.",
    )


class RowProblem(BaseModel):
    line: int
    field: str
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    encoding: str
    rows: int
    valid_rows: int
    problems: list[RowProblem]
    problems_total: int
    earlier_posts: int = Field(
        default=0,
        description="Earlier posts the file introduces as history (rows naming an unknown "
        "copy by channel_id + external_id with published_at): recorded with the figures, or "
        "on a dry run, what would be recorded.",
    )
    batch: StatBatchRead | None = None
