"""The gateway's own endpoints read at most MEDIAOPS_MAX_REQUEST_BODY_BYTES, declared or
streamed, whoever sends it (sign-up needs no account); proxied resources keep the proxy's
larger limit. The gateway is served by uvicorn: real HTTP, real chunked bodies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from devstack.ports import free_port
from gateway.mail.mailbox import message_names
from servicekit.settings import SharedSettings

from tests.gateway.gateway_harness import GatewayFactory, Upstream, bearer
from tests.gateway.platform_harness import serve

LIMIT = 256 * 1024


def _signup(padding: int) -> bytes:
    return json.dumps(
        {"workspace_name": "x" * padding, "email": "big@example.com", "password": "Long-enough-1"}
    ).encode()


async def _chunks(body: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_oversized_bodies_to_the_gateways_own_endpoints_are_413(
    make_gateway: GatewayFactory, upstream: Upstream, tmp_path: Path
) -> None:
    shared = SharedSettings(environment="test", data_dir=tmp_path, max_request_body_bytes=LIMIT)
    async with make_gateway(content_url=upstream.url, shared=shared) as gw:
        owner = bearer(await gw.token())
        mailed = message_names(gw.mail_dir)
        port = free_port()
        async with (
            serve(gw.app, port, lifespan="off"),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            json_type = {"Content-Type": "application/json"}
            declared = await client.post(
                "/api/v1/auth/signup", content=_signup(LIMIT), headers=json_type
            )
            streamed = await client.post(
                "/api/v1/auth/signup", content=_chunks(_signup(LIMIT)), headers=json_type
            )
            invite = json.dumps({"email": "x@example.com", "role": "editor", "pad": "x" * LIMIT})
            signed_in = await client.post(
                "/api/v1/operators", content=_chunks(invite.encode()), headers=owner
            )
            # A proxied resource: the proxy's own limit (10 MiB), not the small one.
            upload = b"u" * (4 * LIMIT)
            proxied = await client.post(
                "/api/v1/posts/upload", content=_chunks(upload), headers=owner
            )

    for refused in (declared, streamed, signed_in):
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/too-large")
    assert "content-length" not in streamed.request.headers
    assert message_names(gw.mail_dir) == mailed  # no sign-up went through
    assert proxied.status_code == 200, proxied.text
    assert proxied.json()["size"] == len(upload)


async def test_media_uploads_have_their_own_larger_limit(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(
        content_url=upstream.url, max_body_bytes=LIMIT, media_max_body_bytes=8 * LIMIT
    ) as gw:
        owner = bearer(await gw.token())
        port = free_port()
        async with (
            serve(gw.app, port, lifespan="off"),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client,
        ):
            video = b"v" * (4 * LIMIT)
            media = await client.post("/api/v1/media", content=_chunks(video), headers=owner)
            post = await client.post("/api/v1/posts/upload", content=_chunks(video), headers=owner)
            too_big = b"v" * (9 * LIMIT)
            refused = await client.post("/api/v1/media", content=too_big, headers=owner)

    assert media.status_code == 201  # the stand-in echoes what it received
    assert len(media.json()["echo"]) == len(video)
    assert post.status_code == refused.status_code == 413
