from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field
from servicekit.schemas import RequestModel, ResponseModel

from channel_svc.models import Channel


class ChannelCreate(RequestModel):
    platform: str = Field(min_length=1, max_length=32, examples=["webhook"])
    name: str = Field(min_length=1, max_length=200, examples=["Partner CMS"])
    config: dict[str, Any] = Field(
        description='Platform settings; for `webhook`: `{"url": "https://..."}`.',
        examples=[{"url": "https://cms.example.com/hooks/mediaops"}],
    )
    secret: str = Field(
        min_length=16,
        max_length=256,
        description="Signing secret (webhook) or platform credential; stored encrypted, "
        "never returned.",
    )


class ChannelOut(ResponseModel):
    id: str
    platform: str
    name: str
    config: dict[str, Any]
    status: str = Field(examples=["active"], description="active, needs_reauth or disabled")
    has_secret: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> ChannelOut:
        return cls(
            id=channel.id,
            platform=channel.platform,
            name=channel.name,
            config=channel.config,
            status=channel.status,
            has_secret=channel.secret_encrypted is not None,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )
