"""What every platform adapter offers: check a channel's config, send one distribution."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from event_contracts import PostPublishedV1

from channel_svc.crypto import CredentialCipher
from channel_svc.models import Channel, Distribution
from channel_svc.rendering.render import Rendered


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # transient: try again later
    REJECTED = "rejected"  # permanent: trying again cannot help
    SUBMITTED = "submitted"  # accepted, published later: confirm after `check_after_seconds`
    DEFERRED = "deferred"  # quota or rate limit spent: wait until `defer_until`, not an attempt
    REAUTH = "reauth"  # the platform rejected the channel's credentials
    TAKEN_DOWN = "taken_down"  # was published, then deleted or banned by the platform


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
    defer_until: datetime | None = None
    check_after_seconds: float | None = None
    # New credentials the adapter obtained (a refreshed token) for the worker to store.
    credentials_update: dict[str, Any] | None = None

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

    @classmethod
    def submitted(cls, *, external_id: str, check_after_seconds: float) -> DeliveryResult:
        return cls(
            Outcome.SUBMITTED, external_id=external_id, check_after_seconds=check_after_seconds
        )

    @classmethod
    def deferred(cls, code: str, message: str, *, until: datetime) -> DeliveryResult:
        return cls(Outcome.DEFERRED, code, message, defer_until=until)

    @classmethod
    def reauth(cls, code: str, message: str) -> DeliveryResult:
        return cls(Outcome.REAUTH, code, message)

    @classmethod
    def taken_down(cls, code: str, message: str) -> DeliveryResult:
        return cls(Outcome.TAKEN_DOWN, code, message)


@dataclass(frozen=True)
class UnlockedChannel:
    """A channel as an adapter sees it: its config and its decrypted secret."""

    id: str
    workspace_id: str
    platform: str
    name: str
    config: dict[str, Any] = field(repr=False)
    secret: str | None = field(repr=False)

    def credentials(self) -> dict[str, Any]:
        """API platforms store their credentials as one JSON object (webhooks: a secret)."""
        if not self.secret:
            return {}
        try:
            value = json.loads(self.secret)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}


def unlock_channel(channel: Channel, cipher: CredentialCipher) -> UnlockedChannel:
    """The channel for an adapter, its secret decrypted (`CredentialsUnreadable` if the
    configured keys cannot)."""
    secret = cipher.decrypt(channel.secret_encrypted) if channel.secret_encrypted else None
    return UnlockedChannel(
        id=channel.id,
        workspace_id=channel.workspace_id,
        platform=channel.platform,
        name=channel.name,
        config=dict(channel.config),
        secret=secret,
    )


def resealed(unlocked: UnlockedChannel, cipher: CredentialCipher, update: dict[str, Any]) -> str:
    """The channel's credentials with `update` (a refreshed token) merged in, sealed again
    for the database."""
    merged = {**unlocked.credentials(), **update}
    return cipher.encrypt(json.dumps(merged, separators=(",", ":")))


# A deferral for the account's mass sends alone (WeChat: once a day): the channel's other
# sends go on, so it does not block the channel's quota.
MASS_SEND_SPENT = "mass_send_spent"


class LeaseLost(Exception):
    """The worker no longer holds the distribution (its lease ran out and another worker
    took it over): it must not act on the platform for it again. Adapters let it pass."""


# The progress keys an adapter saves just before the call that makes a post public
# (WeChat's `freepublish/submit`, Weibo's share). Once one is stored the platform may hold
# the post: it can no longer be cancelled, and a later attempt resumes from it rather than
# sending afresh.
SUBMIT_MARKERS = ("submit_started_at", "share_started_at")


def reached_platform(progress: dict[str, Any] | None) -> bool:
    """Whether an attempt may already have made the post public on the platform."""
    return any((progress or {}).get(key) for key in SUBMIT_MARKERS)


# The progress keys that say the platform accepted the post and a result is awaited:
# `submitted_at` set by `outcomes`, and WeChat's `publish_id` (stored before an attempt
# that died could record its outcome).
CONFIRMING_MARKERS = ("submitted_at", "publish_id")


def awaiting_confirmation(progress: dict[str, Any] | None) -> bool:
    """Whether the next attempt only asks for the result: a read, not a send."""
    return any((progress or {}).get(key) for key in CONFIRMING_MARKERS)


class Progress(Protocol):
    """What an adapter has already done for one distribution on the platform.

    `save` writes to the database before it returns, so that after a crash the next
    attempt sees it and resumes (e.g. publishes the draft it made) instead of repeating.
    `step` is called before each call that changes something on the platform (an upload,
    a draft, a submit, a post). Both raise `LeaseLost` when the distribution is no longer
    this worker's, so that a worker that stalled past its lease stops rather than repeat
    what the worker that took over is doing.
    """

    data: dict[str, Any]

    async def save(self, **values: Any) -> None: ...

    async def step(self) -> None: ...


class MemoryProgress:
    """Progress kept in memory (adapter tests, previews)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})

    async def save(self, **values: Any) -> None:
        self.data.update(values)

    async def step(self) -> None:
        return None


@dataclass(frozen=True)
class Delivery:
    """One distribution as the worker hands it to an adapter: the post, rendered for the
    channel (None where nothing was rendered), and what earlier attempts already did."""

    distribution: Distribution
    channel: UnlockedChannel
    snapshot: PostPublishedV1
    rendered: Rendered | None = None
    progress: Progress = field(default_factory=MemoryProgress)


class Adapter(Protocol):
    platform: str

    async def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config to store, normalised; raises `Invalid` naming `config.<field>`."""
        ...

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Deliver one post to one channel. Never raises for the platform's own failures."""
        ...

    async def aclose(self) -> None:
        """Release connections kept between sends."""
        ...


@runtime_checkable
class CredentialedAdapter(Protocol):
    # The config fields that decide where the credentials are sent (a base URL): a change
    # to one of them must come with the credentials, or whoever may edit a channel could
    # send its stored secret to a host of their choosing.
    credential_destination: tuple[str, ...]

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """The credentials to store; raises `Invalid` naming `credentials.<field>`."""
        ...


@runtime_checkable
class ConfirmingAdapter(Protocol):
    async def confirm(
        self, distribution: Distribution, channel: UnlockedChannel, *, progress: Progress
    ) -> DeliveryResult:
        """Where a submitted (or published) post stands now: DELIVERED (published, with its
        url), SUBMITTED (not yet), REJECTED, TAKEN_DOWN, or RETRY (could not ask)."""
        ...
