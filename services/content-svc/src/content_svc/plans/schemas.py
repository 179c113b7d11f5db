"""Request and response models of a content plan's import and of the posts' export."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from content_svc.models import PostStatus

ExportEncoding = Literal["utf-8", "gb18030"]


class PlanProblem(BaseModel):
    line: int = Field(description="The file's line the row starts on (the header is line 1).")
    column: str = Field(description="The column at fault, or `row` for the row as a whole.")
    reason: str


class PlannedPost(BaseModel):
    """What one good line creates (or, in a dry run, would create)."""

    line: int
    title: str
    status: Literal["draft", "scheduled"] = Field(
        description="`scheduled` when the caller may publish without review; otherwise a "
        "draft that keeps the planned time and channels for whoever publishes it."
    )
    scheduled_at: datetime | None
    channel_ids: list[str]
    tags: list[str]
    campaign_id: str | None
    post_id: str | None = Field(description="The created post; None in a dry run.")


class PlanImportReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": True,
                    "encoding": "gb18030",
                    "time_zone": "Asia/Shanghai",
                    "rows": 2,
                    "valid_rows": 1,
                    "posts": [
                        {
                            "line": 2,
                            "title": "春季新品发布",
                            "status": "scheduled",
                            "scheduled_at": "2026-12-10T12:00:00Z",
                            "channel_ids": ["5f0c1b9e-3c3e-4a57-9a51-0d5c1e0f7a11"],
                            "tags": ["新品"],
                            "campaign_id": None,
                            "post_id": None,
                        }
                    ],
                    "problems": [
                        {"line": 3, "column": "channels", "reason": "no channel named '微博'"}
                    ],
                }
            ]
        }
    )

    dry_run: bool
    encoding: str
    time_zone: str = Field(description="The zone of times written without an offset.")
    rows: int
    valid_rows: int
    posts: list[PlannedPost]
    problems: list[PlanProblem]


class ExportFilter(BaseModel):
    """Which posts to export (all of the workspace's when nothing is given)."""

    format: Literal["csv"] = "csv"
    encoding: ExportEncoding = Field(
        default="utf-8",
        description="`utf-8` (with a BOM, which Excel needs to read it as UTF-8) or "
        "`gb18030` for older Excel set to Chinese.",
    )
    status: PostStatus | None = None
    campaign_id: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    created_after: AwareDatetime | None = Field(
        default=None, description="Posts written at or after this time."
    )
    created_before: AwareDatetime | None = Field(
        default=None, description="Posts written before this time."
    )
