"""Sessions, the team and its roles, through the gateway's HTTP API, on SQLite and
PostgreSQL: refresh rotation and reuse, logout, invitations, role changes, disabling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from tests.gateway.gateway_harness import (
    PASSWORD,
    Gateway,
    GatewayFactory,
    Upstream,
    bearer,
    without_instance,
)


@pytest.fixture
async def gw(
    make_gateway: GatewayFactory, database_url: str, upstream: Upstream
) -> AsyncIterator[Gateway]:
    async with make_gateway(database_url=database_url, content_url=upstream.url) as gateway:
        yield gateway


async def _refresh(gw: Gateway, token: str) -> Any:
    return await gw.client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_the_new_tokens_work(gw: Gateway) -> None:
    await gw.signup()
    first = await gw.session()

    renewed = await _refresh(gw, first["refresh_token"])

    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["expires_in"] == 900
    assert renewed.headers["cache-control"] == "no-store"
    me = await gw.client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    same_session = {
        jwt.decode(t, options={"verify_signature": False})["sid"]
        for t in (first["access_token"], body["access_token"])
    }
    assert len(same_session) == 1
    # The next refresh uses the new token.
    assert (await _refresh(gw, body["refresh_token"])).status_code == 200


async def test_reusing_an_old_refresh_token_revokes_the_whole_family(gw: Gateway) -> None:
    await gw.signup()
    first = await gw.session()
    other_session = await gw.session()
    second = (await _refresh(gw, first["refresh_token"])).json()

    reused = await _refresh(gw, first["refresh_token"])

    assert reused.status_code == 401
    assert reused.headers["content-type"] == "application/problem+json"
    # The thief's and the owner's latest tokens of that family are dead, access token too.
    assert (await _refresh(gw, second["refresh_token"])).status_code == 401
    posts = await gw.client.get("/api/v1/posts", headers=bearer(second["access_token"]))
    assert posts.status_code == 401
    # Another sign-in of the same operator is not touched.
    assert (await _refresh(gw, other_session["refresh_token"])).status_code == 200
    ok = await gw.client.get("/api/v1/posts", headers=bearer(other_session["access_token"]))
    assert ok.status_code == 200


async def test_unknown_refresh_token_is_401(gw: Gateway) -> None:
    response = await _refresh(gw, "mrt_not-a-real-token")

    assert response.status_code == 401


async def test_logout_ends_the_session_at_once(gw: Gateway, upstream: Upstream) -> None:
    await gw.signup()
    session = await gw.session()
    auth = bearer(session["access_token"])
    assert (await gw.client.get("/api/v1/posts", headers=auth)).status_code == 200

    logout = await gw.client.post("/api/v1/auth/logout", headers=auth)

    assert logout.status_code == 204
    assert (await gw.client.get("/api/v1/posts", headers=auth)).status_code == 401
    assert (await gw.client.get("/api/v1/auth/me", headers=auth)).status_code == 401
    assert (await _refresh(gw, session["refresh_token"])).status_code == 401
    assert len(upstream.seen) == 1


async def test_owner_invites_an_editor_who_accepts_and_signs_in(gw: Gateway) -> None:
    signed_up = await gw.signup()
    owner = await gw.login()

    editor = await gw.invite(owner, "Bob@Example.com", "editor")

    me = (await gw.client.get("/api/v1/auth/me", headers=editor)).json()
    assert me["operator"]["email"] == "bob@example.com"
    assert me["operator"]["role"] == "editor"
    assert me["workspace"]["id"] == signed_up["workspace"]["id"]
    listed = (await gw.client.get("/api/v1/operators", headers=bearer(owner))).json()
    assert [(o["email"], o["role"], o["disabled"]) for o in listed["items"]] == [
        ("bob@example.com", "editor", False),  # newest first, as every list
        ("ada@example.com", "owner", False),
    ]
    assert listed["next_cursor"] is None
    pending = await gw.client.get("/api/v1/operators/invitations", headers=bearer(owner))
    assert pending.json() == {"items": [], "next_cursor": None}


async def test_an_invitation_works_once_and_never_says_an_address_exists(gw: Gateway) -> None:
    await gw.signup("ada@example.com")
    owner = await gw.login()
    await gw.signup("carol@example.com", workspace_name="Elsewhere")

    taken = await gw.client.post(
        "/api/v1/operators",
        json={"email": "carol@example.com", "role": "analyst"},
        headers=bearer(owner),
    )
    fresh = await gw.client.post(
        "/api/v1/operators",
        json={"email": "dan@example.com", "role": "analyst"},
        headers=bearer(owner),
    )
    accept_taken = await gw.client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": taken.json()["token"], "password": PASSWORD},
    )
    accept_fresh = await gw.client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": fresh.json()["token"], "password": PASSWORD},
    )
    again = await gw.client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": fresh.json()["token"], "password": PASSWORD},
    )
    bogus = await gw.client.post(
        "/api/v1/auth/invitations/accept", json={"token": "moi_nope", "password": PASSWORD}
    )

    assert taken.status_code == fresh.status_code == 201
    assert set(taken.json()) == set(fresh.json())
    assert accept_fresh.status_code == 201
    assert accept_taken.status_code == again.status_code == bogus.status_code == 409
    assert without_instance(accept_taken) == without_instance(again) == without_instance(bogus)


async def test_weak_password_on_accepting_is_a_422(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    invited = await gw.client.post(
        "/api/v1/operators",
        json={"email": "bob@example.com", "role": "editor"},
        headers=bearer(owner),
    )

    weak = await gw.client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invited.json()["token"], "password": "short"},
    )

    assert weak.status_code == 422
    assert [e["field"] for e in weak.json()["errors"]] == ["password"]


async def test_only_owners_manage_the_team(gw: Gateway) -> None:
    await gw.signup()
    owner = await gw.login()
    editor = await gw.invite(owner, "bob@example.com", "editor")

    for method, path, body in [
        ("GET", "/api/v1/operators", None),
        ("POST", "/api/v1/operators", {"email": "x@example.com", "role": "owner"}),
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"name": "k", "scopes": ["stats:write"]}),
    ]:
        response = await gw.client.request(method, path, json=body, headers=editor)
        assert response.status_code == 403, (method, path)
        assert response.headers["content-type"] == "application/problem+json"


async def test_disabling_an_operator_stops_their_tokens_at_once(
    gw: Gateway, upstream: Upstream
) -> None:
    await gw.signup()
    owner = await gw.login()
    editor = await gw.invite(owner, "bob@example.com", "editor")
    operators = (await gw.client.get("/api/v1/operators", headers=bearer(owner))).json()["items"]
    bob = next(o for o in operators if o["email"] == "bob@example.com")
    assert (await gw.client.get("/api/v1/posts", headers=editor)).status_code == 200

    disabled = await gw.client.patch(
        f"/api/v1/operators/{bob['id']}", json={"disabled": True}, headers=bearer(owner)
    )

    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    assert (await gw.client.get("/api/v1/posts", headers=editor)).status_code == 401
    assert (await gw.client.get("/api/v1/auth/me", headers=editor)).status_code == 401
    relogin = await gw.client.post(
        "/api/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
    )
    assert relogin.status_code == 401
    assert len(upstream.seen) == 1


async def test_a_role_change_needs_a_new_token_and_the_last_owner_stays(gw: Gateway) -> None:
    signed_up = await gw.signup()
    owner = await gw.login()
    editor_auth = await gw.invite(owner, "bob@example.com", "editor")
    operators = (await gw.client.get("/api/v1/operators", headers=bearer(owner))).json()["items"]
    bob = next(o for o in operators if o["email"] == "bob@example.com")

    demote_self = await gw.client.patch(
        f"/api/v1/operators/{signed_up['operator']['id']}",
        json={"role": "analyst"},
        headers=bearer(owner),
    )
    promoted = await gw.client.patch(
        f"/api/v1/operators/{bob['id']}", json={"role": "owner"}, headers=bearer(owner)
    )
    stale = await gw.client.get("/api/v1/posts", headers=editor_auth)
    fresh = bearer(await gw.login("bob@example.com"))
    listed = await gw.client.get("/api/v1/operators", headers=fresh)

    assert demote_self.status_code == 409
    assert promoted.json()["role"] == "owner"
    assert stale.status_code == 401  # the token still says editor
    assert listed.status_code == 200


async def test_another_workspace_operator_is_404(gw: Gateway) -> None:
    await gw.signup("ada@example.com")
    owner = await gw.login("ada@example.com")
    other = await gw.signup("eve@example.com", workspace_name="Eve's")

    for method in ("GET", "PATCH"):
        response = await gw.client.request(
            method,
            f"/api/v1/operators/{other['operator']['id']}",
            json={"disabled": True} if method == "PATCH" else None,
            headers=bearer(owner),
        )
        assert response.status_code == 404
    eve = await gw.client.post(
        "/api/v1/auth/login", json={"email": "eve@example.com", "password": PASSWORD}
    )
    assert eve.status_code == 200


async def test_mass_assignment_of_role_or_workspace_is_refused(gw: Gateway) -> None:
    signed_up = await gw.signup()
    owner = await gw.login()

    invite = await gw.client.post(
        "/api/v1/operators",
        json={"email": "x@example.com", "role": "editor", "workspace_id": "other"},
        headers=bearer(owner),
    )
    change = await gw.client.patch(
        f"/api/v1/operators/{signed_up['operator']['id']}",
        json={"workspace_id": "other"},
        headers=bearer(owner),
    )
    signup = await gw.client.post(
        "/api/v1/auth/signup",
        json={
            "workspace_name": "W",
            "email": "y@example.com",
            "password": PASSWORD,
            "workspace_id": signed_up["workspace"]["id"],
        },
    )

    assert invite.status_code == change.status_code == signup.status_code == 422
    assert [e["field"] for e in invite.json()["errors"]] == ["workspace_id"]


# The gateway's own lists page like every service's: `{items, next_cursor}`, newest first.
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
