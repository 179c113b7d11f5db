"""Rate limits (memory and Redis), trace context, CORS: what a caller of the proxy sees."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import redis.asyncio as aioredis
from gateway.mail.mailbox import message_names

from tests.gateway.gateway_harness import PASSWORD, GatewayFactory, Upstream, bearer

REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"


async def require_redis() -> None:
    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        problem = f"Redis at {REDIS_URL} is unreachable: {exc!r}"
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: the Redis tests must run)")
        pytest.skip(problem)
    finally:
        await client.aclose()


async def test_operator_over_the_limit_gets_a_429_with_headers(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(content_url=upstream.url, operator_request_limit="3/minute") as gw:
        auth = bearer(await gw.token())
        answers = [await gw.client.get("/api/v1/posts", headers=auth) for _ in range(4)]
        other = bearer(await gw.token("bob@example.com"))
        others = await gw.client.get("/api/v1/posts", headers=other)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["ratelimit-limit"] == "3"
    assert 0 < int(answers[0].headers["ratelimit-reset"]) <= 60
    refused = answers[3]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert len(upstream.seen) == 4  # 3 + the other operator; the refused one never arrived
    assert others.status_code == 200  # limits are per operator


async def test_api_keys_have_their_own_limit(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(metrics_url=upstream.url, api_key_request_limit="2/minute") as gw:
        owner = await gw.token()
        key = {"X-API-Key": (await gw.api_key(owner, "stats:write"))["key"]}
        answers = [await gw.client.get("/api/v1/stats", headers=key) for _ in range(3)]
        operator = await gw.client.get("/api/v1/stats", headers=bearer(owner))

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert operator.status_code == 200


async def test_login_is_limited_per_account_and_per_address(make_gateway: GatewayFactory) -> None:
    async with make_gateway(
        login_limit_per_account="3/minute", login_limit_per_ip="6/minute"
    ) as gw:
        await gw.signup("ada@example.com")
        wrong = {"email": "ada@example.com", "password": "Wrong-password-1"}
        guesses = [await gw.client.post("/api/v1/auth/login", json=wrong) for _ in range(3)]
        right = await gw.client.post(
            "/api/v1/auth/login", json={"email": "ADA@example.com", "password": PASSWORD}
        )
        # Other accounts, same address: the per-address limit (6) ends it.
        spray = [
            await gw.client.post(
                "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": PASSWORD}
            )
            for i in range(3)
        ]

    assert [g.status_code for g in guesses] == [401, 401, 401]
    assert right.status_code == 429  # even the right password waits
    assert "retry-after" in right.headers
    assert [s.status_code for s in spray] == [401, 401, 429]


async def test_signup_is_limited_per_client_address(make_gateway: GatewayFactory) -> None:
    async with make_gateway(signup_limit_per_ip="2/hour") as gw:
        answers = [
            await gw.client.post(
                "/api/v1/auth/signup",
                json={"workspace_name": "W", "email": f"s{i}@example.com", "password": PASSWORD},
            )
            for i in range(3)
        ]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert len(message_names(gw.mail_dir)) == 2  # the refused one mailed no one


async def test_signup_mails_one_inbox_only_so_often(make_gateway: GatewayFactory) -> None:
    async with make_gateway(signup_limit_per_account="2/hour") as gw:
        await gw.signup("ada@example.com")  # an address with an account ...
        taken = [
            await gw.client.post(
                "/api/v1/auth/signup",
                json={"workspace_name": "W", "email": "ADA@example.com ", "password": PASSWORD},
            )
            for _ in range(2)
        ]
        fresh = [  # ... and one without: limited alike, so a 429 reveals nothing
            await gw.client.post(
                "/api/v1/auth/signup",
                json={"workspace_name": "W", "email": "bob@example.com", "password": PASSWORD},
            )
            for _ in range(3)
        ]
        mailed = message_names(gw.mail_dir)

    assert [a.status_code for a in taken] == [202, 429]  # the signup above counted once
    assert [a.status_code for a in fresh] == [202, 202, 429]
    assert "retry-after" in fresh[2].headers
    assert len(mailed) == 4  # ada's confirmation and one more, bob's two


async def test_two_gateways_share_limits_through_redis(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    await require_redis()
    settings = {
        "content_url": upstream.url,
        "operator_request_limit": "4/minute",
        "redis_url": REDIS_URL,
        # Redis outlives this run (other runs on the machine share it): only the limit
        # under test may be tight.
        "signup_limit_per_ip": "100000/minute",
        "login_limit_per_ip": "100000/minute",
        "login_limit_per_account": "100000/minute",
    }
    async with make_gateway(**settings) as first, make_gateway(migrate=False, **settings) as second:
        auth = bearer(await first.token(f"{uuid.uuid4().hex[:8]}@example.com"))
        answers = [
            await gw.client.get("/api/v1/posts", headers=auth)
            for gw in (first, second, first, second, first)
        ]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert answers[3].headers["ratelimit-remaining"] == "0"


async def test_traceparent_is_continued_or_started(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with make_gateway(content_url=upstream.url) as gw:
        auth = bearer(await gw.token())
        await gw.client.get("/api/v1/posts", headers={**auth, "traceparent": incoming})
        await gw.client.get("/api/v1/posts", headers=auth)
        await gw.client.get("/api/v1/posts", headers={**auth, "traceparent": "garbage"})

    continued, started, repaired = (seen.headers["traceparent"] for seen in upstream.seen)
    pattern = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
    assert all(pattern.match(t) for t in (continued, started, repaired))
    assert continued.split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"  # same trace
    assert continued.split("-")[2] != "00f067aa0ba902b7"  # the gateway is the new parent
    assert continued.endswith("-01")
    assert started.split("-")[1] != repaired.split("-")[1]


async def test_cors_allows_only_the_configured_origins(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(
        content_url=upstream.url, cors_origins="https://app.example.com, https://ops.example.com"
    ) as gw:
        preflight = await gw.client.options(
            "/api/v1/posts",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, x-api-key",
            },
        )
        foreign = await gw.client.options(
            "/api/v1/posts",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        auth = bearer(await gw.token())
        actual = await gw.client.get(
            "/api/v1/posts", headers={**auth, "Origin": "https://ops.example.com"}
        )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    assert foreign.status_code == 400
    assert "access-control-allow-origin" not in foreign.headers
    assert actual.headers["access-control-allow-origin"] == "https://ops.example.com"
    exposed = actual.headers["access-control-expose-headers"].lower()
    assert "ratelimit-remaining" in exposed
    assert "x-request-id" in exposed


async def test_no_cors_headers_without_configured_origins(
    make_gateway: GatewayFactory, upstream: Upstream
) -> None:
    async with make_gateway(content_url=upstream.url) as gw:
        auth = bearer(await gw.token())
        response = await gw.client.get(
            "/api/v1/posts", headers={**auth, "Origin": "https://app.example.com"}
        )

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
