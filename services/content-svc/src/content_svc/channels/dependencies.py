"""How an endpoint gets its channel-svc client: the app's settings, the caller's token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from servicekit.runtime import ServiceRuntime

from content_svc.channels.client import ChannelServiceClient
from content_svc.settings import Settings


def channel_service(request: Request) -> ChannelServiceClient:
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, Settings), "content-svc runs on content_svc.settings.Settings"
    return ChannelServiceClient(
        settings.channel_svc_url,
        timeout_seconds=settings.channel_lookup_timeout_seconds,
        authorization=request.headers.get("authorization"),
    )


ChannelService = Annotated[ChannelServiceClient, Depends(channel_service)]
