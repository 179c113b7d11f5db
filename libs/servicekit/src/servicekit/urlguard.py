"""The outbound URL guard: user-given URLs may not reach our own network.

Every service that fetches or posts to a URL a user gave (feeds, webhooks, images) checks
it here, and checks again on every redirect. Loopback, private, link-local (cloud
metadata lives there), multicast, reserved and unspecified addresses are refused unless
`MEDIAOPS_ALLOW_PRIVATE_URLS=true` (tests and the local demo).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from servicekit.problems import Invalid


class UnsafeURL(ValueError):
    pass


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise `UnsafeURL` when `url` is not http(s) or resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("only http and https URLs are allowed")
    host = parts.hostname
    if not host:
        raise UnsafeURL("the URL has no host")
    if allow_private:
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host,
                parts.port or (443 if parts.scheme == "https" else 80),
                type=socket.SOCK_STREAM,
            )
        except socket.gaierror as exc:
            raise UnsafeURL(f"the host {host!r} does not resolve") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if not _is_public(address):
            raise UnsafeURL(f"the host {host!r} resolves to a private or reserved address")


async def require_public_url(url: str, *, field: str, allow_private: bool) -> None:
    """`check_url` for request validation: a 422 naming the field."""
    try:
        await check_url(url, allow_private=allow_private)
    except UnsafeURL as exc:
        raise Invalid.field(field, str(exc)) from exc


def guarded_request_hook(*, allow_private: bool) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook that re-checks every request, redirects included."""

    async def hook(request: httpx.Request) -> None:
        await check_url(str(request.url), allow_private=allow_private)

    return hook


def guarded_client(
    *, allow_private: bool, timeout: float = 10.0, **kwargs: object
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=timeout,
        event_hooks={"request": [guarded_request_hook(allow_private=allow_private)]},
        **kwargs,  # type: ignore[arg-type]
    )
