"""A frontend's retry after a timeout, through the gateway to the real content-svc: with an
`Idempotency-Key`, `POST /api/v1/posts` retried after the gateway gave up answers the post
the first request made, and the workspace holds one post, not two."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import content_svc.posts.service as posts_service
import httpx
import pytest
from devstack.broker import Broker

from tests.gateway.gateway_harness import PASSWORD, bearer, sign_up
from tests.gateway.platform_harness import Platform, running_platform


@pytest.fixture
async def platform(tmp_path: Any, broker: Broker) -> AsyncIterator[Platform]:
    # The gateway waits 1 s for an answer, then tells the caller 504 (the "timeout").
    async with running_platform(
        tmp_path, broker.bootstrap, services=("content",), upstream_timeout_seconds=1
    ) as running:
        yield running


async def test_a_post_retried_after_a_timeout_answers_the_post_already_made(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = asyncio.Event()
    create_post = posts_service.create_post

    async def slow_create(*args: Any, **kwargs: Any) -> Any:
        post = await create_post(*args, **kwargs)
        await held.wait()  # longer than the gateway waits: its caller sees a timeout
        return post

    monkeypatch.setattr(posts_service, "create_post", slow_create)
    async with httpx.AsyncClient(
        base_url=platform.gateway_url, timeout=20, trust_env=False
    ) as client:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        await sign_up(client, platform.settings.mail_directory, email=email)
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        headers = {**bearer(login.json()["access_token"]), "Idempotency-Key": str(uuid.uuid4())}
        draft = {"title": "春季新品发布会回顾", "body_markdown": "感谢大家的参与！"}

        timed_out = await client.post("/api/v1/posts", json=draft, headers=headers)
        assert timed_out.status_code == 504, timed_out.text
        held.set()  # content-svc finishes the first request, stored and answered to no one

        retried = await client.post("/api/v1/posts", json=draft, headers=headers)
        for _ in range(100):  # 409 while the first request is still finishing
            if retried.status_code != 409:
                break
            await asyncio.sleep(float(retried.headers["Retry-After"]) / 10)
            retried = await client.post("/api/v1/posts", json=draft, headers=headers)
        assert retried.status_code == 201, retried.text
        assert retried.headers["Idempotent-Replayed"] == "true"

        listed = await client.get("/api/v1/posts", headers=headers)
        assert [post["id"] for post in listed.json()["items"]] == [retried.json()["id"]]
        # The document through the gateway tells frontends about the header.
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/api/v1/posts"]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
