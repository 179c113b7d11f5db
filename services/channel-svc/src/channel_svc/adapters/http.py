"""The base of the adapters that call a platform over HTTP.

`GuardedClient` is the one HTTP client an adapter keeps between sends: guarded against
private addresses (`servicekit.urlguard`), never following redirects, with the adapter's
timeout. `PlatformApi` adds what the API platforms (WeChat, Weibo) share: checking the
config's `base_url` (credentials go to it), one call timed and counted (`request`), the
platform's errors by code (`PlatformError`), and what each code means for the delivery
(`judge`: try again, wait for the quota, new credentials, or give up). Each platform says
in its adapter how its answers carry an error (`read`), which codes mean what, and when
its quota comes back; its other quirks stay in its adapter too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel
from servicekit.problems import Invalid
from servicekit.urlguard import UnsafeURL, guarded_client, require_public_url

from channel_svc.adapters.base import DeliveryResult, Outcome
from channel_svc.adapters.shapes import validated
from channel_svc.telemetry import platform_call


class GuardedClient:
    """An adapter's HTTP client, made on first use and closed with the adapter."""

    def __init__(self, *, timeout_seconds: float, allow_private: bool) -> None:
        self.timeout_seconds = timeout_seconds
        self.allow_private = allow_private
        # One client for all sends: building one per send costs milliseconds (TLS context)
        # and forgoes keep-alive to receivers that get many posts.
        self._client: httpx.AsyncClient | None = None

    def http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = guarded_client(
                allow_private=self.allow_private,
                timeout=self.timeout_seconds,
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class PlatformError(Exception):
    """An error the platform answered, by its own code (0: refused before asking it)."""

    platform_name: ClassVar[str] = "The platform"
    # What the platform's codes mean, in words an operator can act on.
    meanings: ClassVar[dict[int, str]] = {}

    def __init__(self, code: int, said: str = "") -> None:
        meaning = self.meanings.get(code)
        words = f"{self.platform_name} error {code}" + (f" ({said})" if said else "")
        super().__init__(f"{words}: {meaning}" if meaning else words)
        self.code = code


class Unreachable(Exception):
    """The platform gave no usable answer (timeout, network, 5xx): try again later."""


# The config fields of an API platform that decide which host receives its credentials
# (WeChat's AppSecret, Weibo's tokens): changing one needs the credentials again.
CREDENTIAL_DESTINATION = ("base_url",)


def _plain_http(url: str, allow_private: bool) -> bool:
    """Credentials travel over https only; plain http is for the local demo's fakes."""
    return not allow_private and urlsplit(url).scheme.lower() != "https"


async def checked_base_url(url: str, *, allow_private: bool) -> str:
    """A platform base URL to store: https (unless private addresses are allowed, as in
    the local demo), public, without a trailing slash; `Invalid` naming config.base_url."""
    if _plain_http(url, allow_private):
        raise Invalid.field(
            "config.base_url", "must be an https URL: the channel's credentials are sent to it"
        )
    await require_public_url(url, field="config.base_url", allow_private=allow_private)
    return url.rstrip("/")


def refuse_plain_http(url: str, *, allow_private: bool) -> None:
    """At send time too: a base URL stored before https was required sends nothing."""
    if _plain_http(url, allow_private):
        raise UnsafeURL("credentials are sent over https only")


class PlatformApi(GuardedClient):
    """A platform reached through its API with stored credentials."""

    platform: str
    error: ClassVar[type[PlatformError]]
    # The prefix of the error codes a distribution records (`wechat_45009`).
    code_prefix: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    credentials_model: ClassVar[type[BaseModel]]
    credential_destination = CREDENTIAL_DESTINATION
    # Codes that say: try again later; the credentials were rejected; the token was
    # still refused after a refresh (and what that means here); the quota is spent.
    transient_errors: ClassVar[frozenset[int]] = frozenset()
    credential_errors: ClassVar[frozenset[int]] = frozenset()
    token_errors: ClassVar[frozenset[int]] = frozenset()
    token_still_refused: ClassVar[Outcome] = Outcome.REAUTH
    quota_errors: ClassVar[frozenset[int]] = frozenset()

    async def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        checked = validated(self.config_model, config, "config").model_dump()
        base_url = str(checked["base_url"])
        checked["base_url"] = await checked_base_url(base_url, allow_private=self.allow_private)
        return checked

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        checked = validated(self.credentials_model, credentials, "credentials")
        return checked.model_dump(exclude_none=True)

    async def request(self, method: str, url: str, **options: Any) -> Any:
        """One call to the platform, timed and counted: the answer as `read` finds it, or
        the platform's error (`PlatformError`), or `Unreachable`."""
        name = self.error.platform_name
        with platform_call(self.platform, url):
            try:
                refuse_plain_http(url, allow_private=self.allow_private)
                response = await self.http().request(method, url, **options)
            except UnsafeURL as exc:
                raise self.error(0, f"base URL refused: {exc}") from exc
            except httpx.TimeoutException as exc:
                raise Unreachable(
                    f"{name} did not answer within {self.timeout_seconds:g} s"
                ) from exc
            except httpx.HTTPError as exc:
                raise Unreachable(f"{name} unreachable: {type(exc).__name__}") from exc
            return self.read(response)

    def read(self, response: httpx.Response) -> Any:
        """The answer's body; raises the platform's error it carries, or `Unreachable`."""
        raise NotImplementedError

    def quota_resets(self) -> datetime:
        """When a spent quota of the platform comes back."""
        raise NotImplementedError

    def judge(self, exc: PlatformError | Unreachable) -> DeliveryResult:
        """What a failed call means for the distribution."""
        if isinstance(exc, Unreachable):
            return DeliveryResult.retry("unreachable", str(exc))
        code = f"{self.code_prefix}_{exc.code}"
        if exc.code in self.transient_errors:
            return DeliveryResult.retry(code, str(exc))
        if exc.code in self.token_errors:
            message = f"{exc} (still refused after a refresh)"
            return DeliveryResult(self.token_still_refused, code, message)
        if exc.code in self.credential_errors:
            return DeliveryResult.reauth(code, str(exc))
        if exc.code in self.quota_errors:
            return DeliveryResult.deferred(code, str(exc), until=self.quota_resets())
        return DeliveryResult.rejected(code, str(exc))
