"""What every platform adapter offers: check a channel's config, send one distribution."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from event_contracts import PostPublishedV1

from channel_svc.models import Distribution


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # transient: try again later
    REJECTED = "rejected"  # permanent: trying again cannot help


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt; `code` and `message` explain a failure to an operator."""

    outcome: Outcome
    code: str | None = None
    message: str | None = None
    external_id: str | None = None
    url: str | None = None
    # The platform asked us to wait this long (429 Retry-After), if it said so.
    retry_after_seconds: float | None = None

    @classmethod
    def delivered(cls, *, external_id: str | None = None, url: str | None = None) -> DeliveryResult:
        return cls(Outcome.DELIVERED, external_id=external_id, url=url)

    @classmethod
    def retry(
        cls, code: str, message: str, *, retry_after_seconds: float | None = None
    ) -> DeliveryResult:
        return cls(Outcome.RETRY, code, message, retry_after_seconds=retry_after_seconds)

    @classmethod
    def rejected(cls, code: str, message: str) -> DeliveryResult:
        return cls(Outcome.REJECTED, code, message)


@dataclass(frozen=True)
class UnlockedChannel:
    """A channel as an adapter sees it: its config and its decrypted secret."""

    id: str
    workspace_id: str
    platform: str
    name: str
    config: dict[str, Any] = field(repr=False)
    secret: str | None = field(repr=False)


class Adapter(Protocol):
    platform: str

    async def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config to store, normalised; raises `Invalid` naming `config.<field>`."""
        ...

    async def send(
        self, distribution: Distribution, channel: UnlockedChannel, snapshot: PostPublishedV1
    ) -> DeliveryResult:
        """Deliver one post to one channel. Never raises for the platform's own failures."""
        ...

    async def aclose(self) -> None:
        """Release connections kept between sends."""
        ...
