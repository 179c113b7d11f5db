"""What operators see of a channel's figures collector."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from channel_svc.models import ChannelSync
from channel_svc.sync.backfill import MAX_DAYS


class SyncTrigger(BaseModel):
    """What an operator may ask of a run triggered by hand."""

    backfill_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DAYS,
        description="WeChat: also pull the figures of this many days up to yesterday "
        "(the platform keeps 90), spread over the next days' runs within the daily quotas.",
        examples=[90],
    )


class SyncRead(BaseModel):
    channel_id: str
    platform: str
    last_run_at: datetime | None = Field(description="When the collector last ran.")
    last_success_at: datetime | None
    next_run_at: datetime = Field(description="When it runs next (now, once triggered).")
    last_error: str | None = Field(description="Why the last run failed; None if it did not.")
    last_error_code: str | None = Field(examples=["wechat_45009"])
    failures: int = Field(description="Runs failed in a row.")
    collected_through: date | None = Field(
        description="The latest day whose figures were collected (the platform's day)."
    )
    figures_last_run: int = Field(description="Figures the last run collected.")
    comments_last_run: int = Field(
        description="Readers' comments the last run pulled (Weibo; 0 for other platforms)."
    )
    backfill_from: date | None = Field(
        description="WeChat: the oldest day of a backfill still to pull; None when none is."
    )
    backfill_until: date | None = Field(
        description="WeChat: the newest day of a backfill still to pull (pulled newest first)."
    )

    @classmethod
    def of(cls, sync: ChannelSync) -> SyncRead:
        return cls.model_validate(sync, from_attributes=True)
