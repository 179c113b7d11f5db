"""Sign-up, sign-in and `/me` through the gateway's HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.mail.mailbox import message_names
from gateway.models import Operator
from servicekit.auth import KeySet, TokenVerifier, jwks_max_age
from servicekit.db import Database
from sqlalchemy import update

from tests.gateway.gateway_harness import PASSWORD, Gateway, GatewayFactory, without_instance


@pytest.fixture
async def gw(make_gateway: GatewayFactory, database_url: str) -> Any:
    async with make_gateway(database_url=database_url) as gateway:
        yield gateway


def _forged(gw: Gateway, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "sub": str(uuid.uuid4()),
        "wid": str(uuid.uuid4()),
        "roles": ["owner"],
        "aud": "mediaops",
        "iss": "mediaops-gateway",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        **changes,
    }


async def test_signup_then_login_then_me(gw: Gateway) -> None:
    signed_up = await gw.signup("Ada@Example.com")

    login = await gw.client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    me = await gw.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )

    workspace, operator = signed_up["workspace"], signed_up["operator"]
    assert workspace["name"] == "Ada's desk"
    assert operator == {"id": operator["id"], "email": "ada@example.com", "role": "owner"}
    assert login.status_code == 200
    assert login.headers["cache-control"] == "no-store"
    assert login.json()["token_type"] == "bearer"
    assert login.json()["expires_in"] == 900
    assert me.status_code == 200
    assert me.json() == {
        "operator": {**operator, "display_name": "ada"},
        "workspace": {"id": workspace["id"], "name": "Ada's desk"},
    }


async def test_token_verifies_against_the_served_jwks(gw: Gateway) -> None:
    signed_up = await gw.signup()
    token = await gw.login()
    served = await gw.client.get("/.well-known/jwks.json")
    jwks = served.json()
    # Services fetch the set again after this long: a removed key stops within a minute.
    assert jwks_max_age(served.headers["cache-control"]) == 60

    verifier = TokenVerifier(KeySet(jwks=jwks), audience="mediaops", issuer="mediaops-gateway")
    caller = await verifier.verify(token)

    assert caller.user_id == signed_up["operator"]["id"]
    assert caller.workspace_id == signed_up["workspace"]["id"]
    assert caller.roles == frozenset({"owner"})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"sub", "wid", "roles", "aud", "iss", "iat", "exp", "jti", "sid"}
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize("password", ["Short1!", "alllowercaseletters", "12345678901234"])
async def test_weak_password_is_a_422_naming_password(gw: Gateway, password: str) -> None:
    response = await gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "W", "email": "weak@example.com", "password": password},
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["password"]
    assert message_names(gw.mail_dir) == []  # nobody was mailed
    # Nothing was stored: the address can still sign up with a good password.
    await gw.signup("weak@example.com")


async def test_unknown_field_is_a_422_naming_it(gw: Gateway) -> None:
    response = await gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "W", "email": "a@example.com", "password": PASSWORD, "role": "x"},
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["role"]


async def test_invalid_email_and_malformed_json_are_422(gw: Gateway) -> None:
    bad_email = await gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "W", "email": "not-an-address", "password": PASSWORD},
    )
    malformed = await gw.client.post(
        "/api/v1/auth/login",
        content=b'{"email": "a@example.com", ',
        headers={"Content-Type": "application/json"},
    )

    assert bad_email.status_code == 422
    assert [error["field"] for error in bad_email.json()["errors"]] == ["email"]
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"


async def test_wrong_password_and_unknown_email_look_the_same(gw: Gateway) -> None:
    await gw.signup("ada@example.com")

    wrong_password = await gw.client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "Wrong-password-1"}
    )
    unknown_email = await gw.client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
    )

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert without_instance(wrong_password) == without_instance(unknown_email)
    assert "access_token" not in wrong_password.text


async def test_disabled_operator_cannot_log_in_or_use_an_earlier_token(gw: Gateway) -> None:
    signed_up = await gw.signup("ada@example.com")
    earlier_token = await gw.login()
    db = Database(gw.settings.database_url)
    async with db.transaction() as session:
        await session.execute(
            update(Operator).where(Operator.id == signed_up["operator"]["id"]).values(disabled=True)
        )
    await db.dispose()

    login = await gw.client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    unknown = await gw.client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    me = await gw.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {earlier_token}"}
    )

    assert login.status_code == 401
    assert without_instance(login) == without_instance(unknown)
    assert me.status_code == 401


async def test_me_without_a_token_is_a_401_problem(gw: Gateway) -> None:
    response = await gw.client.get("/api/v1/auth/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_unsigned_and_foreign_tokens_are_refused(gw: Gateway) -> None:
    signed_up = await gw.signup()
    ids = {"sub": signed_up["operator"]["id"], "wid": signed_up["workspace"]["id"]}
    kid = gw.app.state.runtime.keystore.ring().current.kid
    key = gw.app.state.runtime.keystore.ring().current.private_key
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode(
        _forged(gw, **ids, iat=past, exp=past + timedelta(minutes=15)),
        key,
        algorithm="EdDSA",
        headers={"kid": kid},
    )
    unsigned = jwt.encode(_forged(gw, **ids), "", algorithm="none", headers={"kid": kid})
    foreign = jwt.encode(
        _forged(gw, **ids), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}
    )
    valid = jwt.encode(_forged(gw, **ids), key, algorithm="EdDSA", headers={"kid": kid})

    async def me(token: str) -> int:
        response = await gw.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code

    assert await me(valid) == 200  # the forged claims are right; only the flaw differs
    assert await me(expired) == 401
    assert await me(unsigned) == 401
    assert await me(foreign) == 401
    assert await me("not.a.token") == 401


async def test_jwks_is_public_and_keys_survive_a_restart(
    make_gateway: GatewayFactory, gw: Gateway
) -> None:
    served = await gw.client.get("/.well-known/jwks.json")
    token = await gw.token()

    async with make_gateway(database_url=gw.settings.database_url) as restarted:
        again = await restarted.client.get("/.well-known/jwks.json")
        me = await restarted.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )

    assert served.status_code == 200
    assert json.dumps(served.json()) == json.dumps(again.json())
    assert me.status_code == 200
