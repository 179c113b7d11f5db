"""Platform adapters: one module per platform, all behind the `Adapter` protocol."""

from __future__ import annotations

from collections.abc import Mapping

from channel_svc.adapters.base import (
    Adapter,
    ConfirmingAdapter,
    CredentialedAdapter,
    Delivery,
    DeliveryResult,
    MemoryProgress,
    Outcome,
    Progress,
    UnlockedChannel,
)
from channel_svc.adapters.webhook import WebhookAdapter
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.settings import Settings

__all__ = [
    "Adapter",
    "ConfirmingAdapter",
    "CredentialedAdapter",
    "Delivery",
    "DeliveryResult",
    "MemoryProgress",
    "Outcome",
    "Progress",
    "UnlockedChannel",
    "WebhookAdapter",
    "WechatAdapter",
    "WeiboAdapter",
    "build_adapters",
]


def build_adapters(settings: Settings) -> Mapping[str, Adapter]:
    """The platforms this deployment can publish to, by platform name."""
    adapters: list[Adapter] = [
        WebhookAdapter(
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_private=settings.shared.allow_private_urls,
        ),
        WechatAdapter(
            timeout_seconds=settings.api_timeout_seconds,
            allow_private=settings.shared.allow_private_urls,
            confirm_poll_seconds=settings.confirm_poll_seconds,
        ),
        WeiboAdapter(
            timeout_seconds=settings.api_timeout_seconds,
            allow_private=settings.shared.allow_private_urls,
        ),
    ]
    return {adapter.platform: adapter for adapter in adapters}
