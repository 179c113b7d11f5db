from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field
from servicekit.schemas import RequestModel

ConversionKind = Literal["order", "sign_up", "download", "other"]


class ConversionCreate(RequestModel):
    """A conversion on the brand's shop or site, attributed by the tracked link's `code`
    (best: names the post and channel) or by the UTM parameters of the visit."""

    kind: ConversionKind
    value: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=Decimal("1e12"),
        decimal_places=2,
        description="What the conversion is worth, in `currency` (0 for a free sign-up).",
    )
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$", description="ISO 4217")
    occurred_at: AwareDatetime = Field(description="When it happened (not in the future).")
    code: str | None = Field(
        default=None, min_length=1, max_length=64, description="The tracked link's code."
    )
    utm_source: str | None = Field(default=None, max_length=200, description="The platform.")
    utm_medium: str | None = Field(
        default=None, max_length=200, description="The channel (its id or name)."
    )
    utm_campaign: str | None = Field(
        default=None, max_length=200, description="The campaign (its id or name)."
    )
    conversion_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The shop's own id: sending it again with the same body answers the "
        "same; with another body, 422.",
    )


class ConversionRead(BaseModel):
    id: str
    conversion_id: str | None
    kind: str
    value: float
    currency: str
    occurred_at: datetime
    attributed_by: Literal["code", "utm"]
    code: str | None
    post_id: str | None
    channel_id: str | None
    platform: str | None
    campaign_id: str | None
    created_at: datetime
