from __future__ import annotations

from datetime import datetime

from pydantic import Field
from servicekit.schemas import ResponseModel


class DistributionOut(ResponseModel):
    id: str = Field(description="Also sent as the delivery id (X-Mediaops-Delivery).")
    post_id: str
    channel_id: str
    platform: str
    status: str = Field(description="pending, sending, succeeded or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None = Field(description="The last failure, in words.")
    error_code: str | None = Field(
        description="The last failure's code, e.g. channel_unavailable, http_404, timeout."
    )
    external_id: str | None
    url: str | None
    created_at: datetime
    updated_at: datetime
