"""API keys: shown once, stored hashed, exchanged for a short scoped token, revocable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import jwt
import pytest
from gateway.models import ApiKey, IdempotencyKey
from servicekit.db import Database
from sqlalchemy import select

from tests.gateway.gateway_harness import Gateway, GatewayFactory, Upstream, bearer


@pytest.fixture
async def gw(
    make_gateway: GatewayFactory, database_url: str, upstream: Upstream
) -> AsyncIterator[Gateway]:
    async with make_gateway(
        database_url=database_url, content_url=upstream.url, metrics_url=upstream.url
    ) as gateway:
        yield gateway


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()

    created = await gw.api_key(owner, "stats:write", "content:read")
    listed = (await gw.client.get("/api/v1/api-keys", headers=bearer(owner))).json()["items"]
    one = (await gw.client.get(f"/api/v1/api-keys/{created['id']}", headers=bearer(owner))).json()

    key = created["key"]
    assert key.startswith(f"mok_{created['prefix']}_")
    assert created["scopes"] == ["content:read", "stats:write"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]
    assert "key" not in one
    assert one["last_used_at"] is None
    assert one["revoked_at"] is None
    db = Database(gw.settings.database_url)
    async with db.transaction() as session:
        stored = (await session.execute(select(ApiKey))).scalar_one()
    await db.dispose()
    assert key not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


async def test_the_service_receives_a_short_scoped_token_not_the_key(
    gw: Gateway, upstream: Upstream
) -> None:
    signed_up = await gw.signup()
    owner = await gw.login()
    created = await gw.api_key(owner, "stats:write")

    by_header = await gw.client.post(
        "/api/v1/stats", json={"points": []}, headers={"X-API-Key": created["key"]}
    )
    by_bearer = await gw.client.get("/api/v1/stats", headers=bearer(created["key"]))

    assert by_header.status_code == 201
    assert by_bearer.status_code == 200
    for seen in upstream.seen:
        assert created["key"] not in str(seen.headers)
        assert "x-api-key" not in seen.headers
        token = seen.headers["authorization"].removeprefix("Bearer ")
        jwks = (await gw.client.get("/.well-known/jwks.json")).json()
        kid = jwt.get_unverified_header(token)["kid"]
        key = jwt.PyJWKSet.from_dict(jwks)[kid].key
        claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="mediaops-upstream")
        assert claims["roles"] == []
        assert claims["scopes"] == ["stats:write"]
        assert claims["sub"] == created["id"]
        assert claims["wid"] == signed_up["workspace"]["id"]
        # GATEWAY_UPSTREAM_TOKEN_TTL_SECONDS, in whole seconds rounded up.
        assert 60 <= claims["exp"] - claims["iat"] <= 61


async def test_last_use_is_recorded(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    created = await gw.api_key(owner, "stats:read")

    await gw.client.get("/api/v1/stats", headers={"X-API-Key": created["key"]})
    await gw.app.state.runtime.gate.drain()

    one = await gw.client.get(f"/api/v1/api-keys/{created['id']}", headers=bearer(owner))
    assert one.json()["last_used_at"] is not None


async def test_a_revoked_or_wrong_key_is_401_and_never_reaches_a_service(
    gw: Gateway, upstream: Upstream
) -> None:
    await gw.signup()
    owner = await gw.login()
    created = await gw.api_key(owner, "stats:write")
    assert (
        await gw.client.get("/api/v1/stats", headers={"X-API-Key": created["key"]})
    ).status_code == 200

    revoked = await gw.client.delete(f"/api/v1/api-keys/{created['id']}", headers=bearer(owner))
    after = await gw.client.get("/api/v1/stats", headers={"X-API-Key": created["key"]})
    tampered = await gw.client.get(
        "/api/v1/stats", headers={"X-API-Key": created["key"][:-2] + "xx"}
    )
    garbage = await gw.client.get("/api/v1/stats", headers={"X-API-Key": "hello"})

    assert revoked.status_code == 204
    assert after.status_code == tampered.status_code == garbage.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"
    assert len(upstream.seen) == 1
    listed = (await gw.client.get("/api/v1/api-keys", headers=bearer(owner))).json()["items"]
    assert listed[0]["revoked_at"] is not None


async def test_the_keys_of_a_disabled_operator_stop_at_once_and_return_with_them(
    gw: Gateway, upstream: Upstream
) -> None:
    """Only its creator was shown a key: while they are disabled, it must be assumed to
    have left with them. The workspace's other owners see whose keys they are."""
    await gw.signup("ada@example.com")
    ada = await gw.login("ada@example.com")
    bob = await gw.invite(ada, "bob@example.com", "owner")
    created = await gw.api_key(bob["Authorization"].removeprefix("Bearer "), "stats:read")
    key = {"X-API-Key": created["key"]}
    bob_id = (await gw.client.get("/api/v1/auth/me", headers=bob)).json()["operator"]["id"]
    assert (await gw.client.get("/api/v1/stats", headers=key)).status_code == 200  # cached now

    off = await gw.client.patch(
        f"/api/v1/operators/{bob_id}", json={"disabled": True}, headers=bearer(ada)
    )
    refused = await gw.client.get("/api/v1/stats", headers=key)
    listed = (await gw.client.get("/api/v1/api-keys", headers=bearer(ada))).json()["items"]
    on = await gw.client.patch(
        f"/api/v1/operators/{bob_id}", json={"disabled": False}, headers=bearer(ada)
    )
    restored = await gw.client.get("/api/v1/stats", headers=key)

    assert off.status_code == on.status_code == 200
    assert refused.status_code == 401
    assert "operator who created it is disabled" in refused.json()["detail"]
    assert [(k["id"], k["created_by"], k["revoked_at"]) for k in listed] == [
        (created["id"], bob_id, None)
    ]
    assert restored.status_code == 200
    assert len(upstream.seen) == 2  # the refused request never reached a service


async def test_a_key_cannot_manage_keys_or_operators(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    created = await gw.api_key(owner, *["content:read", "stats:write"])

    for path in ("/api/v1/api-keys", "/api/v1/operators", "/api/v1/auth/me"):
        response = await gw.client.get(path, headers={"X-API-Key": created["key"]})
        assert response.status_code == 403, path


async def test_bad_scopes_and_another_workspace_key_ids(gw: Gateway) -> None:
    await gw.signup("ada@example.com")
    owner = await gw.login("ada@example.com")
    await gw.signup("eve@example.com", workspace_name="Eve's")
    eve = await gw.login("eve@example.com")
    eves_key = await gw.api_key(eve, "stats:read")

    unknown = await gw.client.post(
        "/api/v1/api-keys", json={"name": "k", "scopes": ["root"]}, headers=bearer(owner)
    )
    empty = await gw.client.post(
        "/api/v1/api-keys", json={"name": "k", "scopes": []}, headers=bearer(owner)
    )
    foreign_get = await gw.client.get(f"/api/v1/api-keys/{eves_key['id']}", headers=bearer(owner))
    foreign_revoke = await gw.client.delete(
        f"/api/v1/api-keys/{eves_key['id']}", headers=bearer(owner)
    )

    assert unknown.status_code == empty.status_code == 422
    assert unknown.json()["errors"][0]["field"].startswith("scopes")
    assert foreign_get.status_code == foreign_revoke.status_code == 404
    still = await gw.client.get("/api/v1/stats", headers={"X-API-Key": eves_key["key"]})
    assert still.status_code == 200


async def test_concurrent_requests_with_one_key_all_pass(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    created = await gw.api_key(owner, "stats:read")

    answers = await asyncio.gather(
        *(gw.client.get("/api/v1/stats", headers={"X-API-Key": created["key"]}) for _ in range(20))
    )

    assert {a.status_code for a in answers} == {200}


async def test_the_keys_list_pages_with_limit_and_cursor(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    created = [(await gw.api_key(owner, "content:read"))["id"] for _ in range(3)]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await gw.client.get("/api/v1/api-keys", params=params, headers=bearer(owner))
        ).json()
        assert len(page["items"]) <= 2
        seen += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    too_many = await gw.client.get("/api/v1/api-keys?limit=101", headers=bearer(owner))

    assert seen == created[::-1]
    assert too_many.status_code == 422
    assert "query.limit" in too_many.text


async def test_a_retried_creation_with_an_idempotency_key_creates_one_key(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    retry = bearer(owner) | {"Idempotency-Key": "6f1c0a52-create-shop-key"}
    body = {"name": "shop backend", "scopes": ["content:read"]}

    first = await gw.client.post("/api/v1/api-keys", json=body, headers=retry)
    again = await gw.client.post("/api/v1/api-keys", json=body, headers=retry)
    other = await gw.client.post("/api/v1/api-keys", json=body | {"name": "another"}, headers=retry)
    refused = await gw.client.post(
        "/api/v1/api-keys",
        json=body | {"scopes": ["everything"]},
        headers=bearer(owner) | {"Idempotency-Key": "a-refused-one"},
    )
    listed = (await gw.client.get("/api/v1/api-keys", headers=bearer(owner))).json()["items"]
    db = Database(gw.settings.database_url)
    async with db.transaction() as session:
        kept = (await session.execute(select(IdempotencyKey))).scalar_one()
    await db.dispose()

    assert first.status_code == again.status_code == 201
    assert first.headers["content-type"] == again.headers["content-type"] == "application/json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()  # the same key, shown again to whoever lost it
    assert other.status_code == 422
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"].startswith("scopes")
    assert [e["field"] for e in other.json()["errors"]] == ["header.idempotency-key"]
    assert [k["id"] for k in listed] == [first.json()["id"]]
    # The answer kept for the retry holds the key sealed, never as it was shown.
    assert kept.body is not None
    assert first.json()["key"].encode() not in kept.body
    assert first.json()["prefix"].encode() not in kept.body
