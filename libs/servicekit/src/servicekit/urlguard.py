"""The outbound URL guard: user-given URLs may not reach our own network.

Every service that fetches or posts to a URL a user gave (feeds, webhooks, platform base
URLs, images) does it through `guarded_client`. Loopback, private, link-local (cloud
metadata lives there), multicast, reserved and unspecified addresses are refused unless
`MEDIAOPS_ALLOW_PRIVATE_URLS=true` (tests and the local demo). IPv6 addresses that carry
an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002::/16`, NAT64 `64:ff9b::/96`)
are judged by the IPv4 address they lead to.

The promise: a connection only ever goes to an address that was checked. The check is
made where the connection is opened (`PinnedTransport`'s network backend resolves the
host once, checks every address, and connects to one of those addresses), so a name that
resolves to a public address for the check and to 127.0.0.1 a moment later (DNS
rebinding) cannot reach inside. The request still names the host: httpx sends its `Host`
header, and TLS sends it as SNI and verifies the certificate against it. A request hook
also checks each request (redirects included) before it is sent, for an early, clear
refusal; `require_public_url` does the same check for request validation (a 422).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from servicekit.problems import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 prefixes whose last 32 bits are an IPv4 address that the traffic ends up at.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
# RFC 8215 local-use NAT64: translated by a gateway inside someone's own network.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class UnsafeURL(ValueError):
    pass


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    # `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4 ones.
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def is_public(address: Address) -> bool:
    """True for an address on the public internet, judged by the IPv4 address it embeds."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            address = embedded
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to, in the resolver's order, without repeats.

    The one resolution behind both the request hook's check and the connection: tests
    replace the resolver (`socket.getaddrinfo`) to play a rebinding name server.
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"the host {host!r} does not resolve") from exc
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


async def vetted_addresses(host: str, port: int, *, allow_private: bool) -> list[Address]:
    """The addresses of `host` that may be connected to; `UnsafeURL` when any is not public
    (a name with one private address among public ones is refused whole)."""
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise UnsafeURL(f"the host {host!r} resolves to a private or reserved address")
    return addresses


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
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL("the URL's port is not a number from 0 to 65535") from exc
    await vetted_addresses(host, port, allow_private=False)


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


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that connects only to addresses it has just vetted.

    httpcore asks it for a TCP connection to the URL's host; it resolves the host once,
    refuses it when an address is not public, and connects to those very addresses.
    TLS is started afterwards by httpcore with the URL's host as server name, so SNI and
    certificate verification are the hostname's, as without the pinning.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            # The lookup is part of connecting: it spends the same connect timeout.
            async with asyncio.timeout(timeout):
                addresses = await vetted_addresses(host, port, allow_private=self.allow_private)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"looking up {host!r} took too long") from exc
        failure: Exception = httpcore.ConnectError(f"the host {host!r} has no address")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc  # the next address of the host may answer
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURL("guarded clients connect over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own HTTP transport (so tracing instruments it as any other), with a
    connection pool that opens connections through `PinnedBackend`."""

    def __init__(
        self,
        *,
        allow_private: bool,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        # Not super().__init__(): httpx builds its pool without a way to give it a network
        # backend. This is the pool it builds for a direct connection, with ours; nothing
        # here reads proxy settings from the environment (a proxy would resolve for us).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(allow_private=allow_private),
        )


def guarded_client(
    *,
    allow_private: bool,
    timeout: float = 10.0,
    verify: ssl.SSLContext | bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    **kwargs: object,
) -> httpx.AsyncClient:
    """An httpx client for user-given URLs: every request checked, every connection pinned
    to a checked address. `transport` replaces the network in tests (a mock transport)."""
    return httpx.AsyncClient(
        timeout=timeout,
        transport=transport or PinnedTransport(allow_private=allow_private, verify=verify),
        event_hooks={"request": [guarded_request_hook(allow_private=allow_private)]},
        **kwargs,  # type: ignore[arg-type]
    )
