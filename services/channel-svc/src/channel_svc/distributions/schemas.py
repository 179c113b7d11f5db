from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, field_validator
from servicekit.schemas import RequestModel, ResponseModel


class DistributionRead(ResponseModel):
    id: str = Field(description="Also sent as the delivery id (X-Mediaops-Delivery).")
    post_id: str
    channel_id: str
    platform: str
    status: str = Field(
        description="pending, scheduled, sending, confirming, deferred, awaiting_manual, "
        "succeeded, failed, cancelled or taken_down"
    )
    attempts: int
    next_attempt_at: datetime | None = Field(
        description="When it is sent (scheduled), retried, or asked about again (confirming)."
    )
    last_error: str | None = Field(description="The last failure, in words.")
    error_code: str | None = Field(
        description="The last failure's code, e.g. validation_failed, wechat_45009, http_404."
    )
    violations: list[dict[str, Any]] = Field(
        description="Every reason the pre-publish check refused the post, with its position."
    )
    rendered: dict[str, Any] | None = Field(
        description="The post as rendered for the platform; for a manual platform the "
        "copy-ready package with its `checklist`."
    )
    external_id: str | None
    url: str | None
    watch_until: datetime | None = Field(
        description="Until when the published post is checked for deletion or a ban."
    )
    created_at: datetime
    updated_at: datetime


class CompleteRequest(RequestModel):
    url: str = Field(min_length=8, max_length=2048, description="Where the post was published.")
    external_id: str | None = Field(
        default=None,
        max_length=200,
        description="The platform's id of the post (e.g. the note id in a Xiaohongshu URL); "
        "figures sent later can name the post by it.",
    )
    published_at: AwareDatetime | None = Field(
        default=None,
        description="When the post went live, if not just now (with its UTC offset; at most "
        "5 minutes ahead of the server's clock and 30 days back). The benchmark counts the "
        "post's age on this channel from it.",
    )

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or " " in value:
            raise ValueError("must be an http(s) URL")
        return value
