"""The foundation slice, through the gateway only, with every process real.

An owner signs up (confirming with the mailed token), logs in, adds a webhook channel and
a Feishu group robot, writes a post and publishes it; the webhook receives the signed post
once, the post shows the channel as succeeded, and the robot receives one signed notice of
it (channel-svc's `distribution.succeeded`, through the broker, to the gateway's
notifications). A second workspace sees none of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from devstack.ports import free_port

from tests.fakes.robots import RobotsFake, robots_app
from tests.fakes.server import serve_in_thread
from tests.gateway.gateway_harness import sign_up as confirmed_sign_up
from tests.system.conftest import GatewayClient, WebhookReceiver, eventually

SECRET = "a-webhook-secret-of-some-length"
ROBOT_SECRET = "SEC-a-feishu-robot-secret"


@pytest.fixture(scope="module")
def robots() -> Iterator[tuple[RobotsFake, str]]:
    """Feishu's, DingTalk's and WeCom's group robots, checking signatures as they do."""
    fake = RobotsFake()
    server = serve_in_thread(robots_app(fake))
    yield fake, server.url
    server.stop()


async def sign_up(gateway: httpx.AsyncClient, name: str) -> dict[str, str]:
    """Sign up, confirm with the mailed token, log in: the owner's auth header."""
    assert isinstance(gateway, GatewayClient)
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery 9"
    await confirmed_sign_up(
        gateway, gateway.mail_dir, email=email, password=password, workspace_name=name
    )
    login = await gateway.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def add_webhook(gateway: httpx.AsyncClient, auth: dict[str, str], url: str) -> str:
    response = await gateway.post(
        "/api/v1/channels",
        json={"platform": "webhook", "name": "品牌官网", "config": {"url": url}, "secret": SECRET},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    assert SECRET not in response.text
    return str(response.json()["id"])


async def write_post(gateway: httpx.AsyncClient, auth: dict[str, str], title: str) -> str:
    response = await gateway.post(
        "/api/v1/posts",
        json={"title": title, "body_markdown": "# 新品发布\n\n今天我们发布了**新品**。"},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def channel_status(
    gateway: httpx.AsyncClient, auth: dict[str, str], post_id: str
) -> dict[str, Any] | None:
    post = (await gateway.get(f"/api/v1/posts/{post_id}", headers=auth)).json()
    channels = post.get("channels", [])
    if channels and channels[0]["status"] != "pending":
        return dict(channels[0])
    return None


async def test_a_post_reaches_a_webhook_once_and_shows_succeeded(
    gateway: httpx.AsyncClient, webhook: WebhookReceiver, robots: tuple[RobotsFake, str]
) -> None:
    fake, robots_url = robots
    auth = await sign_up(gateway, "星辰咖啡")
    me = (await gateway.get("/api/v1/auth/me", headers=auth)).json()
    channel_id = await add_webhook(gateway, auth, webhook.url)
    robot = await gateway.post(
        "/api/v1/notifications/robots",
        json={
            "name": "运营群",
            "platform": "feishu",
            "webhook_url": robots_url + fake.feishu("slice-hook", ROBOT_SECRET),
            "secret": ROBOT_SECRET,
        },
        headers=auth,
    )
    assert robot.status_code == 201, robot.text
    post_id = await write_post(gateway, auth, "秋季新品上市")

    published = await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=auth
    )
    assert published.status_code == 200, published.text

    async def settled() -> dict[str, Any] | None:
        return await channel_status(gateway, auth, post_id)

    outcome = await eventually(settled)
    assert outcome["status"] == "succeeded"

    mine = [d for d in webhook.deliveries if json.loads(d.body)["post"]["post_id"] == post_id]
    assert len(mine) == 1
    assert webhook.verify(mine[0], SECRET)
    snapshot = json.loads(mine[0].body)["post"]
    assert snapshot["title"] == "秋季新品上市"
    assert snapshot["workspace_id"] == me["workspace"]["id"]
    assert "<strong>新品</strong>" in snapshot["body_html"]

    async def noticed() -> bool:
        return any(post_id in received.text for received in fake.received)

    await eventually(noticed)
    assert fake.refused == []  # signed as Feishu checks it
    notices = [received for received in fake.received if post_id in received.text]
    assert [received.token for received in notices] == ["slice-hook"]
    assert "发布成功：webhook" in notices[0].text

    # Publishing again is absorbed: no second distribution, no second delivery.
    again = await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=auth
    )
    assert again.status_code == 200
    distributions = await gateway.get(f"/api/v1/distributions?post_id={post_id}", headers=auth)
    assert len(distributions.json()["items"]) == 1
    mine = [d for d in webhook.deliveries if json.loads(d.body)["post"]["post_id"] == post_id]
    assert len(mine) == 1
    assert len([received for received in fake.received if post_id in received.text]) == 1


async def test_another_workspace_sees_nothing(
    gateway: httpx.AsyncClient, webhook: WebhookReceiver
) -> None:
    owner = await sign_up(gateway, "workspace A")
    stranger = await sign_up(gateway, "workspace B")
    channel_id = await add_webhook(gateway, owner, webhook.url)
    post_id = await write_post(gateway, owner, "内部稿件")

    for path in (f"/api/v1/posts/{post_id}", f"/api/v1/channels/{channel_id}"):
        response = await gateway.get(path, headers=stranger)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "内部稿件" not in response.text
    listed = await gateway.get("/api/v1/posts", headers=stranger)
    assert listed.json()["items"] == []
    hijack = await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=stranger
    )
    assert hijack.status_code == 404
    # The stranger's own post cannot be sent to the owner's channel either.
    own_post = await write_post(gateway, stranger, "B 的稿件")
    borrowed = await gateway.post(
        f"/api/v1/posts/{own_post}/publish", json={"channel_ids": [channel_id]}, headers=stranger
    )
    assert borrowed.status_code == 422
    assert borrowed.json()["errors"][0]["field"] == "channel_ids.0"


async def test_bad_input_gets_a_problem_naming_it(gateway: httpx.AsyncClient) -> None:
    auth = await sign_up(gateway, "挑剔的用户")
    no_token = await gateway.get("/api/v1/posts")
    assert no_token.status_code == 401
    malformed = await gateway.post(
        "/api/v1/posts",
        content=b'{"title": "unfinished',
        headers={**auth, "content-type": "application/json"},
    )
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"
    unknown_field = await gateway.post(
        "/api/v1/posts",
        json={"title": "t", "body_markdown": "b", "workspace_id": "x"},
        headers=auth,
    )
    assert unknown_field.status_code == 422
    assert "workspace_id" in unknown_field.text
    wrong_type = await gateway.post(
        "/api/v1/posts", json={"title": 5, "body_markdown": []}, headers=auth
    )
    assert wrong_type.status_code == 422
    post_id = await write_post(gateway, auth, "待发布")
    unknown_channel = await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [str(uuid.uuid4())]}, headers=auth
    )
    assert unknown_channel.status_code == 422
    assert "channel_ids" in unknown_channel.json()["errors"][0]["field"]


async def test_a_webhook_that_is_down_ends_as_failed_with_the_reason(
    gateway: httpx.AsyncClient,
) -> None:
    auth = await sign_up(gateway, "断线的网站")
    dead_url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens here
    channel_id = await add_webhook(gateway, auth, dead_url)
    post_id = await write_post(gateway, auth, "无法送达")
    await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=auth
    )

    async def settled() -> dict[str, Any] | None:
        return await channel_status(gateway, auth, post_id)

    outcome = await eventually(settled, timeout=60)
    assert outcome["status"] == "failed"
    assert outcome["reasons"], outcome
