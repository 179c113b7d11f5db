from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Alert(BaseModel):
    kind: str = Field(
        description="underperforming, stalled, follower_drop, campaign_behind or negative_spike"
    )
    channel_id: str | None
    channel_name: str | None
    post_id: str | None
    title: str | None
    campaign_id: str | None = None
    campaign_name: str | None = None
    detected_at: datetime
    message: str
    evidence: dict[str, Any]
