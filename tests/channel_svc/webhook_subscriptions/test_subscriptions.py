"""Webhook subscriptions through the API: the secret shown once and rotated, every mistake
named by its field (an unknown event type, a URL the SSRF guard refuses), owners (and keys
with `webhooks:manage`) only, and workspaces apart."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from channel_svc.app import create_app, create_runtime
from channel_svc.models import Base
from channel_svc.settings import Settings
from servicekit.settings import SharedSettings

from tests.channel_svc.webhook_subscriptions.conftest import subscribe
from tests.conftest import Signer

URL = "https://shop.example.com/hooks/mediaops"


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


async def test_a_subscription_is_made_read_changed_and_deleted(
    client: httpx.AsyncClient, owner: dict[str, str]
) -> None:
    created = await subscribe(client, owner, "http://127.0.0.1:9/hook", "post.published")
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["post.published"]
    assert created["enabled"] is True
    path = f"/api/v1/webhook-subscriptions/{created['id']}"

    read = await client.get(path, headers=owner)
    assert read.status_code == 200
    assert "secret" not in read.json()  # shown once, at creation
    listed = await client.get("/api/v1/webhook-subscriptions", headers=owner)
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]

    changed = await client.patch(
        path,
        json={"event_types": ["distribution.failed", "distribution.failed"], "enabled": False},
        headers=owner,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["distribution.failed"]
    assert changed.json()["enabled"] is False
    assert changed.json()["disabled_reason"]
    again = await client.patch(path, json={"enabled": True}, headers=owner)
    assert again.json()["enabled"] is True
    assert again.json()["disabled_reason"] is None

    rotated = await client.post(f"{path}/secret/rotate", headers=owner)
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]

    assert (await client.delete(path, headers=owner)).status_code == 204
    assert (await client.get(path, headers=owner)).status_code == 404


async def test_an_unknown_event_type_is_named_by_its_place(
    client: httpx.AsyncClient, owner: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": URL, "event_types": ["post.published", "post.deleted"]},
        headers=owner,
    )
    assert field_of(response) == "event_types[1]"
    assert "post.deleted" in response.json()["errors"][0]["message"]
    assert (
        field_of(
            await client.post(
                "/api/v1/webhook-subscriptions", json={"url": URL, "event_types": []}, headers=owner
            )
        )
        == "event_types"
    )
    created = await subscribe(client, owner, "http://127.0.0.1:9/hook")
    patched = await client.patch(
        f"/api/v1/webhook-subscriptions/{created['id']}",
        json={"event_types": ["stats.ingested", "nope"]},
        headers=owner,
    )
    assert field_of(patched) == "event_types[1]"


@pytest.fixture
async def guarded_client(
    settings_for: Callable[..., Settings], shared_settings: SharedSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """channel-svc as deployed: private addresses refused."""
    shared = shared_settings.model_copy(update={"allow_private_urls": False})
    runtime = create_runtime(settings_for(shared=shared))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://channel") as client:
        yield client
    await runtime.db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8102/api/v1/channels",  # channel-svc itself
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::ffff:10.0.0.1]/hook",  # a private address behind an IPv6 one
        "ftp://shop.example.com/hook",
    ],
)
async def test_the_ssrf_guard_refuses_urls_inside(
    guarded_client: httpx.AsyncClient, owner: dict[str, str], url: str
) -> None:
    response = await guarded_client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": url, "event_types": ["post.published"]},
        headers=owner,
    )
    assert field_of(response) == "url"


async def test_the_ssrf_guard_refuses_a_changed_url_too(
    guarded_client: httpx.AsyncClient, owner: dict[str, str]
) -> None:
    created = await subscribe(guarded_client, owner, "http://93.184.215.14/hook")
    response = await guarded_client.patch(
        f"/api/v1/webhook-subscriptions/{created['id']}",
        json={"url": "http://10.1.2.3/hook"},
        headers=owner,
    )
    assert field_of(response) == "url"


async def test_only_owners_and_keys_with_the_scope_manage_subscriptions(
    client: httpx.AsyncClient, signer: Signer, workspace_id: str
) -> None:
    body = {"url": URL, "event_types": ["post.published"]}
    for role in ("editor", "reviewer", "analyst"):
        headers = signer.headers(workspace_id=workspace_id, roles=(role,))
        response = await client.post("/api/v1/webhook-subscriptions", json=body, headers=headers)
        assert response.status_code == 403, role
        listed = await client.get("/api/v1/webhook-subscriptions", headers=headers)
        assert listed.status_code == 403, role
    channel_key = signer.headers(
        workspace_id=workspace_id, roles=(), scopes=["channels:read", "channels:write"]
    )
    refused = await client.post("/api/v1/webhook-subscriptions", json=body, headers=channel_key)
    assert refused.status_code == 403
    key = signer.headers(workspace_id=workspace_id, roles=(), scopes=["webhooks:manage"])
    body["url"] = "http://127.0.0.1:9/hook"
    made = await client.post("/api/v1/webhook-subscriptions", json=body, headers=key)
    assert made.status_code == 201, made.text


async def test_another_workspace_sees_nothing_of_a_subscription(
    client: httpx.AsyncClient, owner: dict[str, str], signer: Signer
) -> None:
    created = await subscribe(client, owner, "http://127.0.0.1:9/hook")
    other = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    path = f"/api/v1/webhook-subscriptions/{created['id']}"
    assert (await client.get("/api/v1/webhook-subscriptions", headers=other)).json()["items"] == []
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/secret/rotate"),
        ("GET", "/deliveries"),
        ("GET", "/deliveries/nope"),
        ("POST", "/deliveries/nope/redeliver"),
    ):
        json = {"enabled": False} if method == "PATCH" else None
        response = await client.request(method, path + suffix, json=json, headers=other)
        assert response.status_code == 404, (method, suffix, response.text)
    assert (await client.get(path, headers=owner)).json()["enabled"] is True
