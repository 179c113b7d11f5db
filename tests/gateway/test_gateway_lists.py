"""The gateway's own lists page like every service's: `{items, next_cursor}`, newest first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.gateway.gateway_harness import Gateway, GatewayFactory, Upstream, bearer


@pytest.fixture
async def gw(
    make_gateway: GatewayFactory, database_url: str, upstream: Upstream
) -> AsyncIterator[Gateway]:
    async with make_gateway(database_url=database_url, content_url=upstream.url) as gateway:
        yield gateway


async def test_operators_and_api_keys_page_with_a_cursor(gw: Gateway) -> None:
    await gw.signup("ada@example.com")
    owner = await gw.login()
    await gw.invite(owner, "bob@example.com", "editor")
    await gw.invite(owner, "cy@example.com", "analyst")
    for name in ("first", "second"):
        created = await gw.client.post(
            "/api/v1/api-keys",
            json={"name": name, "scopes": ["stats:write"]},
            headers=bearer(owner),
        )
        assert created.status_code == 201, created.text

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await gw.client.get("/api/v1/operators", params=params, headers=bearer(owner))
        assert page.status_code == 200, page.text
        seen += [o["email"] for o in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["cy@example.com", "bob@example.com", "ada@example.com"]

    keys = await gw.client.get("/api/v1/api-keys", params={"limit": 1}, headers=bearer(owner))
    assert [k["name"] for k in keys.json()["items"]] == ["second"]
    rest = await gw.client.get(
        "/api/v1/api-keys",
        params={"limit": 1, "cursor": keys.json()["next_cursor"]},
        headers=bearer(owner),
    )
    assert [k["name"] for k in rest.json()["items"]] == ["first"]

    forged = await gw.client.get(
        "/api/v1/operators", params={"cursor": "not-a-cursor"}, headers=bearer(owner)
    )
    assert forged.status_code == 422
    assert "cursor" in forged.text
