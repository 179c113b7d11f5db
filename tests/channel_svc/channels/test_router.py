"""The channels API as a frontend sees it: create, read, list, delete, and the refusals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from channel_svc.app import create_app, create_runtime
from channel_svc.models import Channel
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings

from tests.channel_svc.conftest import SECRET, create_channel, outbox_events
from tests.conftest import Signer

HOOK = "http://127.0.0.1:9/hook"


def error_fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


async def test_create_then_read_and_list_without_ever_showing_the_secret(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/channels",
        json={
            "platform": "webhook",
            "name": "Partner CMS",
            "config": {"url": HOOK},
            "secret": SECRET,
        },
        headers=editor,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["platform"] == "webhook"
    assert created["name"] == "Partner CMS"
    assert created["config"] == {"url": HOOK}
    assert created["status"] == "active"
    assert created["has_secret"] is True
    assert "secret" not in created
    assert "secret_encrypted" not in created

    fetched = await client.get(f"/api/v1/channels/{created['id']}", headers=editor)
    assert fetched.status_code == 200
    assert fetched.json() == created
    listed = await client.get("/api/v1/channels", headers=editor)
    assert listed.status_code == 200
    assert listed.json() == {"items": [created], "next_cursor": None}

    for answer in (response, fetched, listed):
        assert SECRET not in answer.text

    async with runtime.db.transaction() as session:
        stored = await session.get(Channel, created["id"])
    assert stored is not None
    assert stored.secret_encrypted is not None
    assert SECRET not in stored.secret_encrypted
    assert runtime.cipher.decrypt(stored.secret_encrypted) == SECRET


async def test_creating_a_channel_announces_it_in_the_outbox(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    created = await create_channel(client, editor, HOOK)
    [event] = await outbox_events(runtime, "channel.changed")
    assert event["workspaceid"] == workspace_id
    assert event["data"]["channel_id"] == created["id"]
    assert event["data"]["platform"] == "webhook"
    assert event["data"]["deleted"] is False
    assert SECRET not in json.dumps(event)


async def test_an_unsupported_platform_is_refused_naming_platform(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/channels",
        json={"platform": "myspace", "name": "x", "config": {"url": HOOK}, "secret": SECRET},
        headers=editor,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert error_fields(response) == {"platform"}
    assert "webhook" in response.json()["detail"]  # says what is supported
    assert await outbox_events(runtime, "channel.changed") == []


async def test_bad_webhook_configs_are_refused_naming_the_config_field(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    for config, message in [
        ({"url": "ftp://files.example.com/in"}, "http"),
        ({}, "required"),
        ({"url": HOOK, "method": "PUT"}, "not permitted"),
    ]:
        response = await client.post(
            "/api/v1/channels",
            json={"platform": "webhook", "name": "x", "config": config, "secret": SECRET},
            headers=editor,
        )
        assert response.status_code == 422, config
        [error] = response.json()["errors"]
        assert error["field"] in ("config.url", "config.method")
        assert message in error["message"].lower()


async def test_a_private_address_is_refused_when_private_urls_are_not_allowed(
    settings_for: Callable[..., Settings], signer: Signer
) -> None:
    settings = settings_for()
    settings = settings_for(shared=settings.shared.model_copy(update={"allow_private_urls": False}))
    runtime = create_runtime(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://channel"
    ) as client:
        response = await client.post(
            "/api/v1/channels",
            json={"platform": "webhook", "name": "x", "config": {"url": HOOK}, "secret": SECRET},
            headers=signer.headers(roles=("owner",)),
        )
    await runtime.db.dispose()
    assert response.status_code == 422
    assert error_fields(response) == {"config.url"}
    assert "private" in response.json()["detail"]


async def test_body_mistakes_are_refused_naming_the_field(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    base = {"platform": "webhook", "name": "x", "config": {"url": HOOK}, "secret": SECRET}
    unknown = await client.post("/api/v1/channels", json={**base, "owner": "me"}, headers=editor)
    assert unknown.status_code == 422
    assert error_fields(unknown) == {"owner"}
    short = await client.post("/api/v1/channels", json={**base, "secret": "tiny"}, headers=editor)
    assert short.status_code == 422
    assert error_fields(short) == {"secret"}
    assert "tiny" not in short.text  # a refused secret is not echoed back either


async def test_without_a_token_every_route_answers_401(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/v1/channels"),
        ("GET", f"/api/v1/channels/{uuid.uuid4()}"),
        ("POST", "/api/v1/channels"),
        ("DELETE", f"/api/v1/channels/{uuid.uuid4()}"),
        ("GET", "/api/v1/distributions"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_an_analyst_can_read_but_not_add_or_delete(
    client: httpx.AsyncClient, editor: dict[str, str], signer: Signer, workspace_id: str
) -> None:
    created = await create_channel(client, editor, HOOK)
    analyst = signer.headers(workspace_id=workspace_id, roles=("analyst",))
    body = {"platform": "webhook", "name": "x", "config": {"url": HOOK}, "secret": SECRET}
    refused = await client.post("/api/v1/channels", json=body, headers=analyst)
    assert refused.status_code == 403
    assert "editor" in refused.json()["detail"]
    delete = await client.delete(f"/api/v1/channels/{created['id']}", headers=analyst)
    assert delete.status_code == 403
    listed = await client.get("/api/v1/channels", headers=analyst)
    assert [c["id"] for c in listed.json()["items"]] == [created["id"]]


async def test_another_workspace_sees_nothing_and_cannot_delete(
    client: httpx.AsyncClient, editor: dict[str, str], signer: Signer
) -> None:
    created = await create_channel(client, editor, HOOK)
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    fetched = await client.get(f"/api/v1/channels/{created['id']}", headers=stranger)
    assert fetched.status_code == 404
    assert "Partner CMS" not in fetched.text
    assert (await client.get("/api/v1/channels", headers=stranger)).json()["items"] == []
    deleted = await client.delete(f"/api/v1/channels/{created['id']}", headers=stranger)
    assert deleted.status_code == 404
    assert (
        await client.get(f"/api/v1/channels/{created['id']}", headers=editor)
    ).status_code == 200


async def test_pages_follow_the_cursor_newest_first(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    ids = [(await create_channel(client, editor, HOOK, name=f"c{i}"))["id"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/channels", params=params, headers=editor)).json()
        pages += 1
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(ids))


async def test_bad_paging_parameters_are_refused(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    too_many = await client.get("/api/v1/channels", params={"limit": 101}, headers=editor)
    assert too_many.status_code == 422
    bad_cursor = await client.get("/api/v1/channels", params={"cursor": "nonsense"}, headers=editor)
    assert bad_cursor.status_code == 422
    assert error_fields(bad_cursor) == {"cursor"}


async def test_deleting_hides_the_channel_and_announces_it(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str]
) -> None:
    created = await create_channel(client, editor, HOOK)
    deleted = await client.delete(f"/api/v1/channels/{created['id']}", headers=editor)
    assert deleted.status_code == 204
    assert (
        await client.get(f"/api/v1/channels/{created['id']}", headers=editor)
    ).status_code == 404
    assert (await client.get("/api/v1/channels", headers=editor)).json()["items"] == []
    again = await client.delete(f"/api/v1/channels/{created['id']}", headers=editor)
    assert again.status_code == 404
    events = await outbox_events(runtime, "channel.changed")
    assert [e["data"]["deleted"] for e in events] == [False, True]
    assert events[1]["data"]["channel_id"] == created["id"]
