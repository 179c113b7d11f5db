"""One OpenAPI document for the whole platform, `/docs` in a real browser, `/health`, and
key rotation picked up by a running service: the gateway with the real service apps."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from devstack.broker import Broker
from devstack.ports import free_port
from gateway.identity.signing_keys import rotate
from gateway.openapi.merge import Source, merge
from gateway.proxy.tokens import UpstreamTokens
from servicekit.auth import Caller

from tests.gateway.browser import open_tab, require_chromium
from tests.gateway.gateway_harness import PASSWORD, sign_up
from tests.gateway.platform_harness import Platform, running_platform

METHODS = ("get", "put", "post", "delete", "patch")
CHECKED_IN = Path(__file__).resolve().parents[3] / "clients" / "typescript" / "openapi.json"


@pytest.fixture(scope="module")
async def platform(
    tmp_path_factory: pytest.TempPathFactory, broker: Broker
) -> AsyncIterator[Platform]:
    async with running_platform(tmp_path_factory.mktemp("platform"), broker.bootstrap) as running:
        yield running


async def _client(platform: Platform) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=platform.gateway_url, timeout=15, trust_env=False)


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    }


async def test_merged_document_holds_every_service_and_the_gateway(platform: Platform) -> None:
    async with await _client(platform) as client:
        merged = (await client.get("/openapi.json")).json()
        own = {
            name: (await client.get(f"{url}/openapi.json")).json()
            for name, url in platform.services.items()
        }

    operations = _operations(merged)
    services = {op["x-service"] for item in merged["paths"].values() for op in item.values()}
    assert {"gateway", *platform.services} == services
    for name, document in own.items():
        theirs = {(m, p) for m, p in _operations(document) if p.startswith("/api/v1/")}
        assert theirs <= operations, (name, theirs - operations)
    for gateway_op in [
        ("post", "/api/v1/auth/signup"),
        ("post", "/api/v1/auth/signup/confirm"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("get", "/api/v1/operators"),
        ("post", "/api/v1/api-keys"),
    ]:
        assert gateway_op in operations
    assert not any(path in ("/health", "/ready", "/openapi.json") for _, path in operations)
    schemes = merged["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert merged["security"] == [{"bearerAuth": []}, {"apiKey": []}]
    assert merged["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert merged["paths"]["/api/v1/auth/signup/confirm"]["post"]["security"] == []
    assert "security" not in merged["paths"]["/api/v1/operators"]["get"]
    ids = [op["operationId"] for item in merged["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    # What `make client` checks in (clients/typescript) is what the gateway serves.
    assert merged == json.loads(CHECKED_IN.read_text(encoding="utf-8")), "run: make client"
    # Every reference resolves inside the merged document.
    text = str(merged)
    schemas = merged["components"]["schemas"]
    for name in {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name


def test_schema_name_clashes_are_renamed_and_references_follow() -> None:
    def doc(page: dict[str, Any], path: str) -> dict[str, Any]:
        return {
            "info": {"description": path},
            "paths": {
                path: {
                    "get": {
                        "operationId": path.rpartition("/")[2] + "-list",
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Page"}
                                    }
                                }
                            }
                        },
                    }
                },
                "/health": {"get": {"operationId": "health"}},
            },
            "components": {
                "schemas": {
                    "Page": page,
                    "Problem": {"type": "object", "title": "Problem"},
                }
            },
        }

    posts = {"type": "object", "properties": {"items": {"type": "array"}}}
    stats = {"type": "object", "properties": {"points": {"type": "array"}}}
    merged = merge(
        [
            Source("content-svc", doc(posts, "/api/v1/posts"), lambda p: p.startswith("/api/v1")),
            Source("metrics-svc", doc(stats, "/api/v1/stats"), lambda p: p.startswith("/api/v1")),
        ],
        title="t",
        version="1",
    )

    schemas = merged["components"]["schemas"]
    assert schemas["Page"] == posts
    assert schemas["MetricsPage"] == stats
    assert "MetricsProblem" not in schemas  # identical: shared, not duplicated
    stats_ref = merged["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"]
    assert stats_ref["application/json"]["schema"]["$ref"] == "#/components/schemas/MetricsPage"
    assert set(merged["paths"]) == {"/api/v1/posts", "/api/v1/stats"}
    assert merged["paths"]["/api/v1/stats"]["get"]["operationId"] == "stats-list"
    assert merged["paths"]["/api/v1/stats"]["get"]["tags"] == ["stats"]
    assert merged["paths"]["/api/v1/stats"]["get"]["x-service"] == "metrics-svc"


async def test_docs_is_swagger_ui_listing_every_operation_and_trying_one_out(
    platform: Platform,
) -> None:
    require_chromium()
    async with await _client(platform) as client:
        merged = (await client.get("/openapi.json")).json()
        page = await client.get("/docs")
        script = await client.get("/docs/assets/swagger-ui-bundle.js")
        unknown = await client.get("/docs/assets/index.html")
        created = await sign_up(client, platform.settings.mail_directory, email="ada@example.com")
        login = {"email": "ada@example.com", "password": PASSWORD}
        token = (await client.post("/api/v1/auth/login", json=login)).json()["access_token"]
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # Every file from this gateway: no CDN.
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert unknown.status_code == 404
    ids = {op["operationId"] for item in merged["paths"].values() for op in item.values()}

    async with open_tab(Path(platform.settings.shared.data_dir) / "chromium-profile") as tab:
        await tab.goto(f"{platform.gateway_url}/docs")
        await tab.wait_for("document.body.dataset.loaded === 'true'", timeout=60)
        shown = await tab.wait_for(
            "(() => { const ids = [...document.querySelectorAll("
            "'.opblock-summary-operation-id')].map(e => e.innerText.trim()); "
            f"return ids.length >= {len(ids)} && ids; }})()",
            timeout=60,
        )
        # Signed in as under "Authorize", then "Execute" on GET /auth/me.
        await tab.evaluate(
            "window.ui.authActions.authorize({bearerAuth: {name: 'bearerAuth', "
            "schema: {type: 'http', scheme: 'bearer'}, value: " + json.dumps(token) + "}})"
        )
        block = "#operations-auth-auth-me"
        await tab.click(f"{block} .opblock-summary-control")
        # "Try it out" is on from the start (tryItOutEnabled): "Execute" is there.
        await tab.wait_for(f"!!document.querySelector('{block} .execute')")
        await tab.click(f"{block} .execute")
        status = await tab.wait_for(
            f"(document.querySelector('{block} .live-responses-table tbody .response-col_status')"
            " || {}).innerText",
            timeout=30,
        )
        answer = await tab.text(f"{block} .live-responses-table tbody .response-col_description")
        complaints = tab.complaints

    assert set(shown) == ids
    assert str(status).strip() == "200"
    assert created["operator"]["id"] in answer
    assert not complaints


async def test_health_reports_each_service(platform: Platform) -> None:
    async with await _client(platform) as client:
        health = await client.get("/health")

    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "services": dict.fromkeys(platform.services, "ok"),
    }


async def test_a_down_service_is_named_and_the_rest_is_still_documented(
    tmp_path: Path, broker: Broker
) -> None:
    async with running_platform(
        tmp_path,
        broker.bootstrap,
        services=("content",),
        channel_url=f"http://127.0.0.1:{free_port()}",
    ) as platform:
        async with await _client(platform) as client:
            document = (await client.get("/openapi.json")).json()
            health = (await client.get("/health")).json()

    assert "channel-svc" in document["x-unavailable"]
    assert any(path.startswith("/api/v1/posts") for path in document["paths"])
    assert health["status"] == "degraded"
    assert health["services"]["content-svc"] == "ok"
    assert health["services"]["channel-svc"].startswith("unreachable")


async def test_a_running_service_accepts_tokens_of_a_rotated_key_without_restart(
    tmp_path: Path, broker: Broker
) -> None:
    async with running_platform(tmp_path, broker.bootstrap, services=("content",)) as platform:
        platform.gateway.state.runtime.keystore.check_seconds = 0  # notice the files at once
        async with await _client(platform) as client:
            created = await sign_up(
                client, platform.settings.mail_directory, email="ada@example.com"
            )
            login = {"email": "ada@example.com", "password": PASSWORD}
            old = (await client.post("/api/v1/auth/login", json=login)).json()["access_token"]
            before = await client.get("/api/v1/posts", headers={"Authorization": f"Bearer {old}"})
            # What the gateway sends content-svc, signed with the key about to be retired.
            ada = Caller(
                user_id=created["operator"]["id"],
                workspace_id=created["workspace"]["id"],
                roles=frozenset({"owner"}),
            )
            old_key = platform.gateway.state.runtime.keystore.ring().current
            minted_old = UpstreamTokens(platform.settings).mint(ada, old_key)

            rotate(platform.settings.key_dir)

            new = (await client.post("/api/v1/auth/login", json=login)).json()["access_token"]
            content = platform.services["content-svc"]
            direct_minted_old = await client.get(
                f"{content}/api/v1/posts", headers={"Authorization": f"Bearer {minted_old}"}
            )
            direct_own = await client.get(
                f"{content}/api/v1/posts", headers={"Authorization": f"Bearer {new}"}
            )
            via_gateway_new = await client.get(
                "/api/v1/posts", headers={"Authorization": f"Bearer {new}"}
            )
            via_gateway_old = await client.get(
                "/api/v1/posts", headers={"Authorization": f"Bearer {old}"}
            )
            signing_now = platform.gateway.state.runtime.keystore.ring().current.kid
            jwks = (await client.get("/.well-known/jwks.json")).json()

    assert before.status_code == 200
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]
    assert signing_now != old_key.kid  # the gateway mints with the new key now
    assert via_gateway_new.status_code == 200, via_gateway_new.text
    assert via_gateway_old.status_code == 200  # the previous key is still published
    assert direct_minted_old.status_code == 200  # ... at the services too
    assert direct_own.status_code == 401  # a caller's own token never works there
    assert len(jwks["keys"]) == 3  # current, previous, next
