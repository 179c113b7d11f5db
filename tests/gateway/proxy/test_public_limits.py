"""Tracked links and feeds need no token, so the gateway limits them per client address.

The gateway is served by uvicorn with the options every app runs with (servicekit.cli),
so the client address is what production sees: the peer, or the client a trusted proxy
(`MEDIAOPS_FORWARDED_ALLOW_IPS`, 127.0.0.1 here) names in X-Forwarded-For. The test client
connects from 127.0.0.1 to play the load balancer, and from 127.0.0.2 to play anyone else.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.gateway.gateway_harness import GatewayFactory, Upstream, served
from tests.gateway.ratelimit.test_rate_limits import REDIS_URL, require_redis


def _address() -> str:
    # Fresh for every run: Redis outlives runs, and other runs on the machine share it.
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def _client(url: str, *, source: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    return httpx.AsyncClient(base_url=url, transport=transport, trust_env=False)


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_clicks_over_the_limit_from_one_address_are_429_and_other_addresses_go_on(
    make_gateway: GatewayFactory, upstream: Upstream, storage: str
) -> None:
    settings: dict[str, Any] = {"channel_url": upstream.url, "link_limit_per_ip": "3/minute"}
    if storage == "redis":
        await require_redis()
        settings["redis_url"] = REDIS_URL
    reader, neighbour = _address(), _address()
    async with make_gateway(**settings) as gw, served(gw) as url, _client(url) as balancer:
        clicks = [
            await balancer.get("/l/abc123", headers={"X-Forwarded-For": reader}) for _ in range(4)
        ]
        other = await balancer.get("/l/abc123", headers={"X-Forwarded-For": neighbour})

    assert [c.status_code for c in clicks] == [302, 302, 302, 429]
    assert clicks[0].headers["location"] == "https://example.com/abc123"
    refused = clicks[3]
    assert refused.headers["content-type"].startswith("text/html")
    assert "Try again shortly" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["cache-control"] == "no-store"
    assert other.status_code == 302  # another reader behind the same balancer
    assert len(upstream.seen) == 4  # the refused click was never counted by channel-svc


async def test_a_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with (
        make_gateway(channel_url=upstream.url, link_limit_per_ip="3/minute") as gw,
        served(gw) as url,
        _client(url, source="127.0.0.2") as stranger,
    ):
        # A new X-Forwarded-For each time: believed, it would make each a new reader.
        clicks = [
            await stranger.get("/l/abc123", headers={"X-Forwarded-For": _address()})
            for _ in range(4)
        ]
        seen = [s.headers["x-forwarded-for"] for s in upstream.seen]

    assert [c.status_code for c in clicks] == [302, 302, 302, 429]
    # Counted, and reported to channel-svc, as the peer it is.
    assert all(forwarded.endswith(", 127.0.0.2") for forwarded in seen)


async def test_feeds_are_limited_per_address_at_both_addresses(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    reader = _address()
    async with (
        make_gateway(channel_url=upstream.url, feed_limit_per_ip="2/minute") as gw,
        served(gw) as url,
        _client(url) as balancer,
    ):
        forwarded = {"X-Forwarded-For": reader}
        fetched = [await balancer.get("/feeds/tok.xml", headers=forwarded) for _ in range(3)]
        api = await balancer.get("/api/v1/feeds/tok.xml", headers=forwarded)
        other = await balancer.get("/feeds/tok.xml", headers={"X-Forwarded-For": _address()})

    assert [f.status_code for f in fetched] == [200, 200, 429]
    assert fetched[2].headers["content-type"].startswith("text/plain")
    assert "retry-after" in fetched[2].headers
    assert api.status_code == 429  # the same feeds under /api/v1: the same count
    assert api.headers["content-type"] == "application/problem+json"
    assert other.status_code == 200


async def test_wechat_callbacks_pass_unauthenticated_small_and_limited_per_address(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    wechat = _address()
    async with (
        make_gateway(channel_url=upstream.url, callback_limit_per_ip="3/minute") as gw,
        served(gw) as url,
        _client(url) as balancer,
    ):
        forwarded = {"X-Forwarded-For": wechat, "Content-Type": "text/xml"}
        query = "signature=abc&timestamp=1&nonce=2&encrypt_type=aes"
        pushed = await balancer.post(
            f"/callbacks/wechat/tok?{query}", content=b"<xml><Encrypt/></xml>", headers=forwarded
        )
        check = await balancer.get("/callbacks/wechat/tok?echostr=9", headers=forwarded)
        assert check.status_code == 200
        too_big = await balancer.post(
            "/callbacks/wechat/tok", content=b"x" * (64 * 1024 + 1), headers=forwarded
        )
        over = await balancer.post("/callbacks/wechat/tok", content=b"<xml/>", headers=forwarded)

    assert pushed.status_code == 201  # the stand-in channel-svc's echo
    [seen, echo_check] = upstream.seen[:2]
    assert seen.path == "/callbacks/wechat/tok"
    assert seen.query == query.encode()
    assert seen.body == b"<xml><Encrypt/></xml>"
    assert "authorization" not in seen.headers  # WeChat's signature is the access
    assert echo_check.method == "GET"
    assert too_big.status_code == 413
    assert over.status_code == 429
    assert len(upstream.seen) == 2
