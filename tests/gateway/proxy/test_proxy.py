"""The proxy, against a real upstream HTTP server on a free port."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from devstack.ports import free_port

from tests.gateway.gateway_harness import BIG_CHUNK, BIG_CHUNKS, Gateway, GatewayFactory, Upstream


@pytest.fixture
async def gw(make_gateway: GatewayFactory, upstream: Upstream) -> AsyncIterator[Gateway]:
    async with make_gateway(content_url=upstream.url, upstream_timeout_seconds=2.0) as gateway:
        yield gateway


@pytest.fixture
async def auth(gw: Gateway) -> dict[str, str]:
    return {"Authorization": f"Bearer {await gw.token()}"}


async def test_request_reaches_the_owning_service_unchanged(
    gw: Gateway, upstream: Upstream, auth: dict[str, str]
) -> None:
    response = await gw.client.post(
        "/api/v1/posts/p%2F1/revisions?limit=5&tag=a%20b",
        content=b'{"title": "Hello"}',
        headers={**auth, "Content-Type": "application/json", "X-Request-ID": "req-123"},
    )

    assert response.status_code == 201
    assert response.json() == {"echo": '{"title": "Hello"}', "method": "POST"}
    (seen,) = upstream.seen
    assert seen.method == "POST"
    assert seen.raw_path == b"/api/v1/posts/p%2F1/revisions"
    assert seen.query == b"limit=5&tag=a%20b"
    assert seen.body == b'{"title": "Hello"}'
    # Not the caller's credential: a token the gateway minted for the services.
    minted = seen.headers["authorization"].removeprefix("Bearer ")
    assert minted != auth["Authorization"].removeprefix("Bearer ")
    assert jwt.decode(minted, options={"verify_signature": False})["aud"] == "mediaops-upstream"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["x-request-id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"


async def test_gateway_adds_request_id_and_forwarded_headers(
    gw: Gateway, upstream: Upstream, auth: dict[str, str]
) -> None:
    response = await gw.client.get("/api/v1/ideas", headers=auth)

    (seen,) = upstream.seen
    assert seen.path == "/api/v1/ideas"
    assert seen.headers["x-request-id"] == response.headers["x-request-id"]
    assert len(seen.headers["x-request-id"]) >= 16
    assert seen.headers["x-forwarded-for"] == "127.0.0.1"
    assert seen.headers["x-forwarded-proto"] == "http"
    assert seen.headers["x-forwarded-host"] == "gateway.test"
    assert seen.headers["host"] == upstream.url.removeprefix("http://")


@pytest.mark.parametrize(
    "path", ["/api/v1/calendar", "/api/v1/queue", "/api/v1/queue/slots"], ids=str
)
async def test_the_calendar_and_the_queue_are_content_svcs(
    gw: Gateway, upstream: Upstream, auth: dict[str, str], path: str
) -> None:
    response = await gw.client.get(path, headers=auth)

    assert response.status_code == 200
    (seen,) = upstream.seen
    assert seen.path == path


async def test_hop_by_hop_headers_are_dropped_both_ways(
    gw: Gateway, upstream: Upstream, auth: dict[str, str]
) -> None:
    response = await gw.client.get(
        "/api/v1/sources",
        headers={
            **auth,
            "Connection": "keep-alive, X-Client-Hop",
            "X-Client-Hop": "secret",
            "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic c2VjcmV0",
            "TE": "trailers",
            "Upgrade": "h2c",
            "X-End-To-End": "kept",
        },
    )

    (seen,) = upstream.seen
    for name in ("x-client-hop", "keep-alive", "proxy-authorization", "te", "upgrade"):
        assert name not in seen.headers, name
    assert seen.headers["x-end-to-end"] == "kept"
    assert response.status_code == 200
    assert response.headers["x-upstream"] == "content"
    assert response.headers["cache-control"] == "private, max-age=7"
    assert "x-upstream-hop" not in response.headers
    assert "proxy-authenticate" not in response.headers


async def test_large_bodies_stream_both_ways(gw: Gateway, auth: dict[str, str]) -> None:
    download = await gw.client.get("/api/v1/posts/big", headers=auth)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(BIG_CHUNKS):
            yield BIG_CHUNK

    upload = await gw.client.post("/api/v1/posts/upload", content=chunks(), headers=auth)

    assert download.status_code == 200
    assert download.content == BIG_CHUNK * BIG_CHUNKS
    assert upload.status_code == 200
    assert upload.json() == {
        "size": len(BIG_CHUNK) * BIG_CHUNKS,
        "sha256": hashlib.sha256(BIG_CHUNK * BIG_CHUNKS).hexdigest(),
    }


async def test_without_a_token_the_upstream_is_never_called(
    gw: Gateway, upstream: Upstream
) -> None:
    missing = await gw.client.get("/api/v1/posts")
    bad = await gw.client.get("/api/v1/posts", headers={"Authorization": "Bearer nonsense"})

    assert missing.status_code == bad.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert upstream.seen == []


async def test_public_feed_needs_no_token(make_gateway: GatewayFactory, upstream: Upstream) -> None:
    async with make_gateway(channel_url=upstream.url) as gw:
        feed = await gw.client.get("/api/v1/feeds/abc123.xml")
        public = await gw.client.get("/feeds/abc123.xml")
        channels = await gw.client.get("/api/v1/channels")

    assert feed.status_code == public.status_code == 200
    assert channels.status_code == 401  # the same service's other resources still need one
    assert [seen.path for seen in upstream.seen] == [
        "/api/v1/feeds/abc123.xml",
        "/feeds/abc123.xml",
    ]
    assert all("authorization" not in seen.headers for seen in upstream.seen)


async def test_a_signed_media_file_needs_no_token_the_library_does(
    gw: Gateway, upstream: Upstream
) -> None:
    file = await gw.client.get("/api/v1/media/m1/file?expires=1&signature=abc")
    library = await gw.client.get("/api/v1/media")
    item = await gw.client.get("/api/v1/media/m1")
    deeper = await gw.client.get("/api/v1/media/m1/file/more")

    assert file.status_code == 200
    assert library.status_code == item.status_code == deeper.status_code == 401
    assert [seen.path for seen in upstream.seen] == ["/api/v1/media/m1/file"]
    assert "authorization" not in upstream.seen[0].headers


async def test_unknown_resource_is_404(gw: Gateway, auth: dict[str, str]) -> None:
    response = await gw.client.get("/api/v1/nothing-here/1", headers=auth)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_closed_upstream_port_is_503_naming_the_service(
    make_gateway: GatewayFactory,
) -> None:
    async with make_gateway(content_url=f"http://127.0.0.1:{free_port()}") as gw:
        token = await gw.token()
        response = await gw.client.get(
            "/api/v1/posts", headers={"Authorization": f"Bearer {token}"}
        )

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "content-svc is unavailable."


async def test_slow_upstream_is_504_naming_the_service(gw: Gateway, auth: dict[str, str]) -> None:
    response = await gw.client.get("/api/v1/posts/slow", headers=auth)

    assert response.status_code == 504
    assert "content-svc" in response.json()["detail"]


async def test_body_over_the_limit_is_413_before_reaching_the_upstream(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(content_url=upstream.url, max_body_bytes=1024) as gw:
        auth = {"Authorization": f"Bearer {await gw.token()}"}

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(4):
                yield b"x" * 512

        declared = await gw.client.post("/api/v1/posts", content=b"x" * 1025, headers=auth)
        chunked = await gw.client.post("/api/v1/posts/upload", content=chunks(), headers=auth)
        within = await gw.client.post("/api/v1/posts", content=b"x" * 1024, headers=auth)

    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert chunked.status_code == 413
    assert within.status_code == 201
    assert [seen.body for seen in upstream.seen] == [b"x" * 1024]


async def test_ready_reports_each_upstream_without_failing_on_them(
    gw: Gateway, make_gateway: GatewayFactory
) -> None:
    response = await gw.client.get("/ready")
    health = await gw.client.get("/health")

    body: dict[str, Any] = response.json()
    assert response.status_code == 200
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"  # metrics-svc and others are not running
    assert health.json()["services"]["content-svc"] == "ok"
    assert health.json()["services"]["metrics-svc"].startswith("unreachable")
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["content-svc"] == "ok"
    assert body["checks"]["metrics-svc"].startswith("unreachable")


async def test_ready_is_503_when_the_database_is_down(make_gateway: GatewayFactory) -> None:
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gateway"
    async with make_gateway(database_url=closed, migrate=False) as gw:
        response = await gw.client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable")
