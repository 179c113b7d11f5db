"""A webhook subscription through the gateway, against the real services and broker: an
owner subscribes a URL, publishes a post to a webhook channel, and the subscriber gets the
publication (consumed by channel-svc from Kafka) and its distribution's success (emitted by
channel-svc), each once, signed as Standard Webhooks define."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack.broker import Broker
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.server import serve_in_thread
from tests.gateway.gateway_harness import PASSWORD, bearer, sign_up
from tests.gateway.platform_harness import running_platform


@pytest.fixture
def subscriber() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A receiver on a port of its own: its base URL and what it was sent, as received."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    running = serve_in_thread(Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])]))
    yield running.url, received
    running.stop()


async def test_a_subscriber_hears_of_a_publish_through_the_gateway(
    tmp_path: Path,
    broker: Broker,
    subscriber: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    base, received = subscriber
    async with (
        running_platform(tmp_path, broker.bootstrap) as platform,
        httpx.AsyncClient(base_url=platform.gateway_url, timeout=20, trust_env=False) as client,
    ):
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        await sign_up(client, platform.settings.mail_directory, email=email)
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        owner = bearer(login.json()["access_token"])

        made = await client.post(
            "/api/v1/webhook-subscriptions",
            json={
                "url": f"{base}/subscriber",
                "event_types": ["post.published", "distribution.succeeded"],
            },
            headers=owner,
        )
        assert made.status_code == 201, made.text
        subscription: dict[str, Any] = made.json()
        channel = await client.post(
            "/api/v1/channels",
            json={
                "platform": "webhook",
                "name": "brand site",
                "config": {"url": f"{base}/channel"},
                "secret": "a-long-shared-secret-1234",
            },
            headers=owner,
        )
        assert channel.status_code == 201, channel.text
        post = await client.post(
            "/api/v1/posts",
            json={"title": "秋季新品上市", "body_markdown": "# 新品\n\n今天发布。"},
            headers=owner,
        )
        assert post.status_code == 201, post.text
        post_id = post.json()["id"]
        published = await client.post(
            f"/api/v1/posts/{post_id}/publish",
            json={"channel_ids": [channel.json()["id"]]},
            headers=owner,
        )
        assert published.status_code in (200, 202), published.text

        deliveries_url = f"/api/v1/webhook-subscriptions/{subscription['id']}/deliveries"
        async with asyncio.timeout(60):
            while True:
                listed = await client.get(deliveries_url, headers=owner)
                assert listed.status_code == 200, listed.text
                statuses = [d["status"] for d in listed.json()["items"]]
                if statuses == ["delivered", "delivered"]:
                    break
                await asyncio.sleep(0.2)

    hooks = [(headers, body) for headers, body in received if "webhook-id" in headers]
    assert len(hooks) == 2  # once each
    verified = [Webhook(subscription["secret"]).verify(body, headers) for headers, body in hooks]
    assert sorted(event["type"] for event in verified) == [
        "distribution.succeeded",
        "post.published",
    ]
    assert {event["data"]["post_id"] for event in verified} == {post_id}
