"""Services accept only the tokens the gateway mints for them after its own checks
(gateway.proxy.tokens): a caller's own credential does not work on a service port, and
what is revoked at the gateway stops at every service within the minted token's TTL.

The gateway runs with a 2-second TTL in front of a real channel-svc that verifies tokens
from the gateway's JWKS URL, as in production. A stand-in content-svc records what the
gateway sends it: that is how the tests hold a minted token, as an eavesdropper on the
internal network (or a leaky service) would, and replay it against channel-svc.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
from devstack.broker import Broker
from devstack.ports import free_port

from tests.gateway.gateway_harness import PASSWORD, Upstream, bearer, sign_up, upstream_app
from tests.gateway.platform_harness import Platform, running_platform, serve

TTL = 2


@dataclass
class Rig:
    platform: Platform
    client: httpx.AsyncClient  # the gateway's public port
    recorder: Upstream  # stands in for content-svc
    channel: str  # the real channel-svc's own port

    async def owner(self) -> tuple[dict[str, str], str]:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        created = await sign_up(self.client, self.platform.settings.mail_directory, email=email)
        return await self.login(email), created["workspace"]["id"]

    async def login(self, email: str) -> dict[str, str]:
        answer = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return bearer(answer.json()["access_token"])

    async def member(self, owner: dict[str, str], role: str) -> tuple[dict[str, str], str]:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        invited = await self.client.post(
            "/api/v1/operators", json={"email": email, "role": role}, headers=owner
        )
        accepted = await self.client.post(
            "/api/v1/auth/invitations/accept",
            json={"token": invited.json()["token"], "password": PASSWORD},
        )
        assert accepted.status_code == 201, accepted.text
        return await self.login(email), accepted.json()["operator"]["id"]

    async def minted(self, credential: dict[str, str]) -> tuple[dict[str, str], float]:
        """The header the gateway sent upstream for one request made with `credential`, and
        (monotonic) when it was sent at the latest."""
        before = len(self.recorder.seen)
        answer = await self.client.get("/api/v1/posts", headers=credential)
        assert answer.status_code == 200, answer.text
        (seen,) = self.recorder.seen[before:]
        return {"Authorization": seen.headers["authorization"]}, time.monotonic()

    async def at_channel_svc(self, headers: dict[str, str]) -> int:
        return (
            await self.client.get(f"{self.channel}/api/v1/channels", headers=headers)
        ).status_code

    async def through_gateway(self, headers: dict[str, str]) -> int:
        return (await self.client.get("/api/v1/channels", headers=headers)).status_code


@pytest.fixture(scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory, broker: Broker) -> AsyncIterator[Rig]:
    recorder = Upstream(url=f"http://127.0.0.1:{free_port()}")
    port = int(recorder.url.rsplit(":", 1)[1])
    async with (
        serve(upstream_app(recorder), port, lifespan="off"),
        running_platform(
            tmp_path_factory.mktemp("upstream-tokens"),
            broker.bootstrap,
            services=("channel",),
            content_url=recorder.url,
            upstream_token_ttl_seconds=TTL,
        ) as platform,
        httpx.AsyncClient(base_url=platform.gateway_url, timeout=20, trust_env=False) as client,
    ):
        yield Rig(platform, client, recorder, platform.services["channel-svc"])


async def _past_the_ttl(minted_at: float) -> None:
    """Until the configured TTL (whole seconds, rounded up) has passed since `minted_at`:
    the bound the gateway promises, whatever the token itself claims."""
    await asyncio.sleep(max(0.0, minted_at + TTL + 1.2 - time.monotonic()))


async def test_what_the_gateway_gives_callers_does_not_work_on_a_service_port(rig: Rig) -> None:
    owner, _ = await rig.owner()
    key = await rig.client.post(
        "/api/v1/api-keys", json={"name": "erp", "scopes": ["channels:read"]}, headers=owner
    )
    api_key = key.json()["key"]

    assert await rig.through_gateway(owner) == 200
    assert await rig.through_gateway({"X-API-Key": api_key}) == 200
    assert await rig.at_channel_svc(owner) == 401  # the operator's access token
    assert await rig.at_channel_svc({"X-API-Key": api_key}) == 401
    assert await rig.at_channel_svc(bearer(api_key)) == 401
    # What services accept is what the gateway minted, for their audience and briefly.
    minted, _ = await rig.minted(owner)
    assert minted != owner
    claims = jwt.decode(
        minted["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    assert claims["aud"] == "mediaops-upstream"
    assert TTL <= claims["exp"] - claims["iat"] <= TTL + 1
    assert await rig.at_channel_svc(minted) == 200
    # ... and the gateway does not take it back from a caller.
    assert (await rig.client.get("/api/v1/auth/me", headers=minted)).status_code == 401


async def test_after_logout_the_gateway_refuses_at_once_and_services_after_the_ttl(
    rig: Rig,
) -> None:
    owner, _ = await rig.owner()
    minted, minted_at = await rig.minted(owner)
    assert await rig.at_channel_svc(minted) == 200

    out = await rig.client.post("/api/v1/auth/logout", headers=owner)
    assert out.status_code == 204
    assert await rig.through_gateway(owner) == 401

    await _past_the_ttl(minted_at)
    assert await rig.at_channel_svc(minted) == 401


async def test_a_disabled_operator_is_refused_everywhere_within_the_ttl(rig: Rig) -> None:
    owner, _ = await rig.owner()
    editor, editor_id = await rig.member(owner, "editor")
    minted, minted_at = await rig.minted(editor)
    assert await rig.at_channel_svc(minted) == 200

    off = await rig.client.patch(
        f"/api/v1/operators/{editor_id}", json={"disabled": True}, headers=owner
    )
    assert off.status_code == 200
    assert await rig.through_gateway(editor) == 401

    await _past_the_ttl(minted_at)
    assert await rig.at_channel_svc(minted) == 401
    assert await rig.through_gateway(owner) == 200  # the rest of the workspace goes on


async def test_a_revoked_api_key_is_refused_everywhere_within_the_ttl(rig: Rig) -> None:
    owner, _ = await rig.owner()
    created = await rig.client.post(
        "/api/v1/api-keys", json={"name": "erp", "scopes": ["content:read"]}, headers=owner
    )
    key = {"X-API-Key": created.json()["key"]}
    minted, minted_at = await rig.minted(key)
    assert await rig.at_channel_svc(minted) != 401  # signed and in time (its scope: 403)

    revoked = await rig.client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=owner)
    assert revoked.status_code == 204
    assert (await rig.client.get("/api/v1/posts", headers=key)).status_code == 401

    await _past_the_ttl(minted_at)
    assert await rig.at_channel_svc(minted) == 401


async def test_api_keys_of_a_disabled_operator_are_refused_everywhere_within_the_ttl(
    rig: Rig,
) -> None:
    owner, _ = await rig.owner()
    other_owner, other_id = await rig.member(owner, "owner")
    created = await rig.client.post(
        "/api/v1/api-keys", json={"name": "erp", "scopes": ["content:read"]}, headers=other_owner
    )
    key = {"X-API-Key": created.json()["key"]}
    minted, minted_at = await rig.minted(key)
    assert await rig.at_channel_svc(minted) != 401

    off = await rig.client.patch(
        f"/api/v1/operators/{other_id}", json={"disabled": True}, headers=owner
    )
    assert off.status_code == 200
    assert (await rig.client.get("/api/v1/posts", headers=key)).status_code == 401

    await _past_the_ttl(minted_at)
    assert await rig.at_channel_svc(minted) == 401
