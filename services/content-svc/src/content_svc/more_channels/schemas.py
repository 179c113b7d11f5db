"""The request of sending a published post to more channels."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from servicekit.schemas import RequestModel

from content_svc.posts.schemas import MAX_CHANNELS, ChannelId


class MoreChannels(RequestModel):
    channel_ids: list[ChannelId] = Field(
        min_length=1,
        max_length=MAX_CHANNELS,
        description="Live channels of the workspace the post has not been sent to yet.",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"channel_ids": ["1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"]}]}
    )
