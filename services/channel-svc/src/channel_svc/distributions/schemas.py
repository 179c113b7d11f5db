from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, field_validator
from servicekit.schemas import RequestModel, ResponseModel


class MassSendRead(ResponseModel):
    """A WeChat mass send's audience and, once WeChat reported it, its result."""

    msg_id: str | None = Field(description="WeChat's id of the mass send, once it was sent.")
    tag_id: int | None = Field(description="The tag it was sent to; null: all followers.")
    sent_on: str | None = Field(description="The Beijing day it went out (YYYY-MM-DD).")
    status: str | None = Field(
        description="WeChat's MASSSENDJOBFINISH status: `send success`, `send fail`, `err(N)`."
    )
    total_count: int | None = Field(description="Followers in the audience (TotalCount).")
    filter_count: int | None = Field(description="Those it was for after filtering.")
    sent_count: int | None = Field(description="Those it reached (SentCount).")
    error_count: int | None = Field(description="Those it failed to reach (ErrorCount).")


def mass_send_of(progress: dict[str, Any] | None) -> MassSendRead | None:
    """The mass send a distribution's progress records, if it is one."""
    progress = progress or {}
    if not progress.get("mass_msg_id") and "mass_tag_id" not in progress:
        return None
    result = progress.get("mass_send") or {}
    tag_id = progress.get("mass_tag_id")
    return MassSendRead(
        msg_id=progress.get("mass_msg_id"),
        tag_id=int(tag_id) if tag_id is not None else None,
        sent_on=progress.get("mass_sent_on"),
        status=result.get("status"),
        total_count=result.get("total_count"),
        filter_count=result.get("filter_count"),
        sent_count=result.get("sent_count"),
        error_count=result.get("error_count"),
    )


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
    mass_send: MassSendRead | None = Field(
        default=None,
        validation_alias="progress",
        description="A WeChat mass send (群发): its audience, and the counts WeChat reported.",
    )
    created_at: datetime
    updated_at: datetime

    @field_validator("mass_send", mode="before")
    @classmethod
    def _from_progress(cls, value: Any) -> Any:
        # Read from the row's progress; an already built read model passes as it is.
        return mass_send_of(value) if isinstance(value, dict) or value is None else value


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
