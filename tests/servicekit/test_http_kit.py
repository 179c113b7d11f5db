"""Problem responses, token verification and the URL guard, as a caller sees them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import httpx
import jwt
import pytest
from devstack.ports import free_port
from fastapi import Depends, FastAPI
from servicekit.auth import Caller, CurrentCaller, KeySet, TokenVerifier, require_role
from servicekit.problems import NotFound, install_problem_handlers
from servicekit.schemas import RequestModel
from servicekit.urlguard import UnsafeURL, check_url, guarded_client
from sqlalchemy import text


class NewThing(RequestModel):
    title: str
    count: int


def make_app(jwks: dict[str, Any]) -> FastAPI:
    app = FastAPI()
    app.state.verifier = TokenVerifier(
        KeySet(jwks=jwks), audience="mediaops-upstream", issuer="mediaops-gateway"
    )
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: NewThing, caller: CurrentCaller) -> dict[str, str]:
        return {"workspace": caller.workspace_id}

    @app.get("/things/{thing_id}")
    async def get(thing_id: str) -> None:
        raise NotFound(f"No thing {thing_id}.")

    @app.delete("/things/{thing_id}")
    async def delete(
        thing_id: str, caller: Annotated[Caller, Depends(require_role("owner"))]
    ) -> dict[str, str]:
        return {"deleted": thing_id}

    return app


@pytest.fixture
def client(signer: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(signer.jwks)), base_url="http://t"
    )


async def test_validation_errors_are_problems_naming_each_field(
    client: httpx.AsyncClient, signer: Any
) -> None:
    response = await client.post(
        "/things", json={"title": "x", "count": "many", "owner": "me"}, headers=signer.headers()
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"count", "owner"}


async def test_malformed_json_is_a_4xx_problem(client: httpx.AsyncClient, signer: Any) -> None:
    response = await client.post(
        "/things",
        content=b'{"title": ',
        headers={**signer.headers(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["status"] == 422


async def test_domain_errors_and_unknown_routes_are_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/42")
    assert response.status_code == 404
    assert response.json()["detail"] == "No thing 42."
    unknown = await client.get("/nowhere")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_tokens_are_verified(client: httpx.AsyncClient, signer: Any) -> None:
    body = {"title": "x", "count": 1}
    ok = await client.post("/things", json=body, headers=signer.headers(workspace_id="w1"))
    assert ok.json() == {"workspace": "w1"}

    missing = await client.post("/things", json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"

    expired = signer.token(expires_in=timedelta(seconds=-5))
    none_alg = jwt.encode({"sub": "u", "wid": "w"}, key="", algorithm="none")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = jwt.encode(
        {
            "sub": "u",
            "wid": "w",
            "aud": "mediaops-upstream",
            "iss": "mediaops-gateway",
            "iat": 0,
            "exp": 2**31,
        },
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": signer.kid},
    )
    for token in (expired, none_alg, forged, "not-a-token"):
        refused = await client.post(
            "/things", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 401, token


async def test_roles_are_enforced(client: httpx.AsyncClient, signer: Any) -> None:
    denied = await client.delete("/things/1", headers=signer.headers(roles=("analyst",)))
    assert denied.status_code == 403
    allowed = await client.delete("/things/1", headers=signer.headers(roles=("owner",)))
    assert allowed.json() == {"deleted": "1"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "gopher://example.com/",
    ],
)
async def test_private_and_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        await check_url(url, allow_private=False)


async def test_public_addresses_pass_and_the_setting_allows_private() -> None:
    await check_url("https://93.184.216.34/feed.xml", allow_private=False)
    await check_url("http://127.0.0.1:9/feed", allow_private=True)


async def test_redirects_to_private_addresses_are_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "93.184.216.34":
            return httpx.Response(302, headers={"location": "http://127.0.0.1/admin"})
        return httpx.Response(200, text="secret")

    async with guarded_client(
        allow_private=False, transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(UnsafeURL):
            await client.get("http://93.184.216.34/feed", follow_redirects=True)


async def test_a_constraint_hit_by_a_concurrent_write_is_a_409_not_a_500() -> None:
    from sqlalchemy.exc import IntegrityError

    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/race")
    async def race() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    response = await client.post("/race")
    assert response.status_code == 409
    assert "Send the request again" in response.json()["detail"]


async def test_a_database_away_is_a_503_to_send_again_not_a_500() -> None:
    from servicekit.db import Database
    from servicekit.problems import RETRY_AFTER_OUTAGE_SECONDS

    away = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone")
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def write() -> None:
        async with away.transaction() as session:
            await session.execute(text("SELECT 1"))

    @app.post("/bug")
    async def bug() -> None:
        raise KeyError("a bug stays a 500")

    try:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
        )
        response = await client.post("/things")
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(RETRY_AFTER_OUTAGE_SECONDS)
        assert response.json()["type"].endswith("/service-unavailable")
        assert (await client.post("/bug")).status_code == 500
    finally:
        await away.dispose()
