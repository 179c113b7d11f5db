"""Where a channel's stored credentials may go: a change of an API platform's base URL
needs the credentials again, and credentials travel over https outside the local demo."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from channel_svc.adapters.wechat import WechatAdapter, WechatError
from channel_svc.app import create_app, create_runtime
from channel_svc.models import Base
from channel_svc.settings import Settings

from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET, WEIBO_TOKEN, WEIBO_UID
from tests.channel_svc.helpers import wechat_channel, weibo_channel
from tests.conftest import Signer

# Where the fakes would be in the local demo; nothing is sent in these tests.
DEMO_BASE = "http://127.0.0.1:9"
ELSEWHERE = "https://collector.example.net"
PUBLIC_IP = "93.184.216.34"  # a literal: checked without a lookup, never connected to

Create = Callable[[httpx.AsyncClient, dict[str, str], str], Awaitable[str]]
PLATFORMS: dict[str, tuple[Create, dict[str, Any], dict[str, Any]]] = {
    "wechat_oa": (
        wechat_channel,
        {"link_template": "https://www.example.com/p/{post_id}"},
        {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
    ),
    "weibo": (
        weibo_channel,
        {"safe_domain": "example.com", "link_template": "https://www.example.com/p/{post_id}"},
        {"access_token": WEIBO_TOKEN, "uid": WEIBO_UID},
    ),
}


def fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_changing_where_credentials_go_needs_the_credentials_again(
    platform: str, client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    create, config, credentials = PLATFORMS[platform]
    channel_id = await create(client, editor, DEMO_BASE)
    path = f"/api/v1/channels/{channel_id}"

    # An editor points the channel at another host without the credentials: refused, and
    # nothing of the request is stored (the next delivery still goes where it went).
    for moved in ({**config, "base_url": ELSEWHERE}, config):  # `config`: back to the default
        refused = await client.patch(
            path, json={"config": moved, "name": "renamed"}, headers=editor
        )
        assert refused.status_code == 422, refused.text
        assert fields(refused) == {"credentials"}
        assert "config.base_url" in refused.json()["detail"]
        stored = (await client.get(path, headers=editor)).json()
        assert stored["config"]["base_url"] == DEMO_BASE
        assert stored["name"] != "renamed"

    # Other settings change freely while the credentials stay where they go.
    same_host = {**config, "base_url": DEMO_BASE, "link_template": "https://e.com/{post_id}"}
    kept = await client.patch(path, json={"config": same_host}, headers=editor)
    assert kept.status_code == 200, kept.text

    # With the credentials in the same request, whoever gives them chooses where they go.
    moved_with_credentials = await client.patch(
        path,
        json={"config": {**config, "base_url": ELSEWHERE}, "credentials": credentials},
        headers=editor,
    )
    assert moved_with_credentials.status_code == 200, moved_with_credentials.text
    assert moved_with_credentials.json()["config"]["base_url"] == ELSEWHERE


@pytest.fixture
async def production_client(
    settings_for: Callable[..., Settings],
) -> Any:
    """channel-svc as deployed: private addresses (and so the local demo) not allowed."""
    settings = settings_for()
    settings = settings_for(shared=settings.shared.model_copy(update={"allow_private_urls": False}))
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://channel"
    ) as client:
        yield client
    await runtime.db.dispose()


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_credentials_go_over_https_only_outside_the_local_demo(
    platform: str, production_client: httpx.AsyncClient, signer: Signer
) -> None:
    create, config, credentials = PLATFORMS[platform]
    editor = signer.headers(roles=("editor",))
    body = {"platform": platform, "name": "x", "credentials": credentials}

    plain = await production_client.post(
        "/api/v1/channels",
        json={**body, "config": {**config, "base_url": f"http://{PUBLIC_IP}"}},
        headers=editor,
    )
    assert plain.status_code == 422, plain.text
    assert fields(plain) == {"config.base_url"}
    assert "https" in plain.json()["detail"]

    channel_id = await create(production_client, editor, f"https://{PUBLIC_IP}")
    downgraded = await production_client.patch(
        f"/api/v1/channels/{channel_id}",
        json={"config": {**config, "base_url": f"http://{PUBLIC_IP}"}, "credentials": credentials},
        headers=editor,
    )
    assert downgraded.status_code == 422, downgraded.text
    assert fields(downgraded) == {"config.base_url"}


async def test_a_plain_http_base_url_stored_earlier_sends_nothing() -> None:
    """A channel saved before https was required: the adapter refuses before sending."""
    sent: list[httpx.Request] = []

    def platform(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"access_token": "t", "expires_in": 7200})

    adapter = WechatAdapter(timeout_seconds=1, allow_private=False, confirm_poll_seconds=1)
    adapter._client = httpx.AsyncClient(transport=httpx.MockTransport(platform))
    with pytest.raises(WechatError, match="https only"):
        await adapter.request(
            "GET", f"http://{PUBLIC_IP}/cgi-bin/token", params={"secret": WECHAT_SECRET}
        )
    await adapter.aclose()
    assert sent == []
