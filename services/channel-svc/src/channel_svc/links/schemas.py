from __future__ import annotations

from datetime import datetime

from pydantic import Field
from servicekit.schemas import ResponseModel
from servicekit.shapes import shaped

from channel_svc.links.service import Tracking
from channel_svc.models import TrackedLink


class LinkRead(ResponseModel):
    code: str
    url: str = Field(description="The short link readers follow: {public base}/l/{code}.")
    target_url: str = Field(description="Where it leads (UTM parameters are added then).")
    post_id: str
    channel_id: str
    platform: str
    campaign_id: str | None
    clicks: int = Field(
        description="Clicks recorded so far (those of the last second may still be queued)."
    )
    created_at: datetime

    @classmethod
    def of(cls, link: TrackedLink, clicks: int, tracking: Tracking) -> LinkRead:
        return shaped(cls, link, url=tracking.short_url(link.code), clicks=clicks)
