"""Small calls through the gateway that the operator's week repeats."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.gateway.gateway_harness import sign_up
from tests.system.conftest import GatewayClient

PASSWORD = "correct horse battery 9"
Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


async def login(gateway: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Headers:
    response = await gateway.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def sign_up_owner(gateway: httpx.AsyncClient, workspace: str) -> Headers:
    """Sign up, confirm with the mailed token, log in: the owner's auth header."""
    assert isinstance(gateway, GatewayClient), "the `gateway` fixture knows the mail directory"
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    await sign_up(
        gateway, gateway.mail_dir, email=email, password=PASSWORD, workspace_name=workspace
    )
    return await login(gateway, email)


async def invite(gateway: httpx.AsyncClient, owner: Headers, role: str, name: str) -> Headers:
    """The owner invites `role`; the invitee accepts with a password and logs in."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    invited = await gateway.post(
        "/api/v1/operators", json={"email": email, "role": role}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    accepted = await gateway.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invited.json()["token"], "password": PASSWORD, "display_name": name},
    )
    assert accepted.status_code in (200, 201), accepted.text
    headers = await login(gateway, email)
    me = await gateway.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    assert role in str(me.json()), me.text
    return headers


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200,)), (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text}"
    )
    return response.json()


async def add_channel(
    gateway: httpx.AsyncClient, owner: Headers, body: dict[str, Any]
) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await gateway.post("/api/v1/channels", json=body, headers=owner), 201
    )
    return created


async def analysis_codes(gateway: httpx.AsyncClient, headers: Headers, post_id: str) -> set[str]:
    report = ok(await gateway.get(f"/api/v1/posts/{post_id}/analysis", headers=headers))
    return {finding["code"] for finding in report["findings"]}


async def distributions(
    gateway: httpx.AsyncClient, headers: Headers, post_id: str
) -> list[dict[str, Any]]:
    page = ok(
        await gateway.get("/api/v1/distributions", params={"post_id": post_id}, headers=headers)
    )
    items: list[dict[str, Any]] = page["items"]
    return items
