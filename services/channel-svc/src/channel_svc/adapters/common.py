"""Helpers of the API adapters: quota reset times, image fetching, token caches."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from servicekit.db import utcnow
from servicekit.urlguard import UnsafeURL

CHINA = ZoneInfo("Asia/Shanghai")
MAX_IMAGE_BYTES = 10 * 1024 * 1024


def next_china_midnight(now: datetime | None = None) -> datetime:
    """When daily quotas of Chinese platforms reset: the next 00:00 Beijing time (in UTC)."""
    local = (now or utcnow()).astimezone(CHINA)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return midnight.astimezone(ZoneInfo("UTC"))


def next_hour(now: datetime | None = None) -> datetime:
    current = now or utcnow()
    return current.replace(minute=0, second=5, microsecond=0) + timedelta(hours=1)


class ImageUnavailable(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def host_of(url: str) -> str:
    """Where a URL points, without its path and query (which may carry a signature)."""
    return urlsplit(url).hostname or "?"


def unreachable(exc: UnsafeURL) -> str:
    """Why the guarded client would not connect, for an operator: the address of the
    public URL (MEDIAOPS_PUBLIC_URL, the media store) must be one channel-svc may reach."""
    return f"is not at an address channel-svc may fetch from ({exc})"


def is_transient(exc: UnsafeURL) -> bool:
    """A name that does not resolve now may resolve later; a private address will not
    become public."""
    return "does not resolve" in str(exc)


async def fetch_image(client: httpx.AsyncClient, url: str) -> tuple[bytes, str, str]:
    """(bytes, filename, content type) of an image a post refers to. Errors name the
    image's host only: a library link's query is its signature."""
    where = f"the image at {host_of(url)}"
    try:
        async with client.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code in (408, 429):
                raise ImageUnavailable(f"{where} answered {response.status_code}", transient=True)
            if response.status_code != 200:
                raise ImageUnavailable(f"{where} answered {response.status_code}", transient=False)
            content_type = response.headers.get("content-type", "image/jpeg").split(";")[0]
            data = b""
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_IMAGE_BYTES:
                    raise ImageUnavailable(f"{where} is over 10 MB", transient=False)
    except httpx.TimeoutException as exc:
        raise ImageUnavailable(f"{where} did not arrive in time", transient=True) from exc
    except httpx.HTTPError as exc:
        raise ImageUnavailable(
            f"{where} cannot be fetched ({type(exc).__name__})", transient=True
        ) from None
    except UnsafeURL as exc:
        raise ImageUnavailable(f"{where} {unreachable(exc)}", transient=is_transient(exc)) from None
    if not content_type.startswith("image/"):
        raise ImageUnavailable(f"{where} is not an image ({content_type})", transient=False)
    name = url.rsplit("/", 1)[-1].split("?")[0] or "image"
    if "." not in name:
        name += "." + content_type.removeprefix("image/").replace("jpeg", "jpg")
    return data, name, content_type


@dataclass
class CachedToken:
    value: str
    expires_at: datetime


class TokenCache:
    """One token per account, fetched by one caller at a time.

    Sends to one account share a token, and only one of them asks for a new one: the
    platforms limit how often a token may be asked for.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def get(self, key: str, *, margin: timedelta = timedelta(minutes=5)) -> str | None:
        token = self._tokens.get(key)
        if token is None or token.expires_at - margin <= utcnow():
            return None
        return token.value

    def put(self, key: str, value: str, expires_in_seconds: float) -> None:
        self._tokens[key] = CachedToken(value, utcnow() + timedelta(seconds=expires_in_seconds))

    def drop(self, key: str, value: str) -> None:
        """Forget `value` unless another caller already replaced it."""
        token = self._tokens.get(key)
        if token is not None and token.value == value:
            del self._tokens[key]
