"""The services' key set follows the gateway's JWKS over real HTTP: a key removed from it
stops verifying once the answer's `max-age` has run out, without a restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from devstack.ports import free_port
from fastapi import FastAPI, Response
from servicekit.auth import KeySet, TokenVerifier, jwks_max_age
from servicekit.problems import Unauthorized


@dataclass
class JwksServer:
    """A stand-in gateway: serves whichever keys `published` holds, with `max_age`."""

    url: str
    max_age: int = 1
    published: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    fetches: int = 0
    failing: bool = False  # answers 503, as a gateway restarting behind its Service would

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, private in self.published.items():
            public = jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append({**public, "kid": kid, "alg": "EdDSA", "use": "sig"})
        return {"keys": keys}


def _app(server: JwksServer) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    async def jwks(response: Response) -> Any:
        server.fetches += 1
        if server.failing:
            return Response(status_code=503)
        response.headers["Cache-Control"] = f"public, max-age={server.max_age}"
        return server.jwks()

    return app


@pytest.fixture
async def jwks_server() -> AsyncIterator[JwksServer]:
    port = free_port()
    instance = JwksServer(url=f"http://127.0.0.1:{port}/.well-known/jwks.json")
    server = uvicorn.Server(
        uvicorn.Config(_app(instance), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield instance
    server.should_exit = True
    await task


def _token(private: Ed25519PrivateKey, kid: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "wid": str(uuid.uuid4()),
        "roles": ["owner"],
        "aud": "mediaops-upstream",
        "iss": "mediaops-gateway",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})


async def test_a_key_removed_from_the_jwks_is_refused_after_max_age(
    jwks_server: JwksServer,
) -> None:
    compromised, replacement = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    jwks_server.published = {"old": compromised, "new": replacement}
    verifier = TokenVerifier(
        KeySet(url=jwks_server.url), audience="mediaops-upstream", issuer="mediaops-gateway"
    )
    stolen = _token(compromised, "old")
    await verifier.verify(stolen)

    jwks_server.published = {"new": replacement}  # the operator removed the compromised key
    await verifier.verify(stolen)  # within max-age the set in hand is used, no fetch
    assert jwks_server.fetches == 1

    await asyncio.sleep(jwks_server.max_age + 0.2)
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(stolen)
    assert jwks_server.fetches == 2
    await verifier.verify(_token(replacement, "new"))  # the remaining key still verifies


async def test_a_jwks_that_cannot_be_fetched_again_keeps_the_keys_in_hand(
    jwks_server: JwksServer,
) -> None:
    key = Ed25519PrivateKey.generate()
    jwks_server.published = {"k": key}
    keys = KeySet(url=jwks_server.url)
    verifier = TokenVerifier(keys, audience="mediaops-upstream", issuer="mediaops-gateway")
    await verifier.verify(_token(key, "k"))

    jwks_server.failing = True  # the gateway restarts just as the set runs out
    await asyncio.sleep(jwks_server.max_age + 0.2)
    await verifier.verify(_token(key, "k"))
    assert jwks_server.fetches == 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("public, max-age=60", 60),
        ('max-age="120"', 120),
        ("public, s-maxage=10", 300),  # no max-age of its own: the default
        (None, 300),
        ("no-cache", 1),
        ("max-age=0", 1),
        ("max-age=31536000", 3600),  # a year would keep a removed key for a year
    ],
)
def test_max_age_is_read_within_bounds(header: str | None, seconds: float) -> None:
    assert jwks_max_age(header) == seconds
