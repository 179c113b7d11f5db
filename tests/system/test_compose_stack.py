"""The stack as deploy/docker-compose.yml runs it, proven without Docker.

Each app runs from its own image environment (made by the Dockerfile's install script),
with the image's ENV and CMD and exactly the environment compose gives it (an operator's
.env filled in; container host names, ports and paths mapped): PostgreSQL with one database
per app made by deploy/postgres/init.sh, password authentication, the migrate step first,
production mode. Then the publish slice through the gateway, with every public address
built from MEDIAOPS_PUBLIC_URL and resolved through it, as a reverse proxy would.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest
from gateway.mail.mailbox import text_of

from tests.conftest import IN_CI
from tests.content_svc.media.files import image_bytes
from tests.deploy.compose import DEPLOY
from tests.deploy.images import build_image_envs
from tests.fakes.smtp import FakeSmtp, running_smtp
from tests.system.compose_stack import PUBLIC_URL, ComposeStack, Missing
from tests.system.conftest import WebhookReceiver, eventually

# Building six image environments and starting the stack from them takes a while on a
# loaded 2-core machine: the stack fixture's setup is timed with the first test.
pytestmark = pytest.mark.timeout(900)

PASSWORD = "correct horse battery 9"
SECRET = "a-webhook-secret-of-some-length"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/[^\s\"'<>）)]+")


@pytest.fixture(scope="module")
async def smtp() -> AsyncIterator[FakeSmtp]:
    """The operator's mail server (MEDIAOPS_MAIL_URL)."""
    async with running_smtp() as fake:
        yield fake


@pytest.fixture(scope="module")
async def stack(
    smtp: FakeSmtp, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ComposeStack]:
    images = await asyncio.to_thread(build_image_envs)
    running = ComposeStack(images, root=tmp_path_factory.mktemp("compose"), smtp_port=smtp.port)
    try:
        await asyncio.to_thread(running.start)
    except Missing as exc:
        await asyncio.to_thread(running.stop)
        if IN_CI:
            pytest.fail(f"{exc} (CI=true: the compose-equivalent stack must run)")
        pytest.skip(str(exc))
    except BaseException:
        await asyncio.to_thread(running.stop)
        raise
    yield running
    await asyncio.to_thread(running.stop)


@pytest.fixture
async def gateway(stack: ComposeStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.apps["gateway"].url, timeout=15) as client:
        yield client


async def through_the_public_url(gateway: httpx.AsyncClient, link: str) -> httpx.Response:
    """What a reader's click does: the reverse proxy in front of MEDIAOPS_PUBLIC_URL hands
    the request, path and query as they are, to the gateway."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, link
    return await gateway.get(parts.path + (f"?{parts.query}" if parts.query else ""))


async def owner_made_by_admin(
    stack: ComposeStack, gateway: httpx.AsyncClient, workspace: str
) -> dict[str, str]:
    """A new owner and workspace made with `mediaops-admin create-owner`, signed in."""
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    made = await asyncio.to_thread(
        stack.admin,
        "create-owner",
        "--email",
        email,
        "--workspace",
        workspace,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    login = await gateway.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def mail_to(smtp: FakeSmtp, address: str, already: int) -> str:
    received = await smtp.wait(already + 1, timeout=30)
    mine = [r for r in received[already:] if address in r.recipients]
    assert mine, f"no mail to {address}"
    return text_of(mine[-1].message)


async def test_every_app_is_ready_and_keeps_its_metrics_off_the_public_port(
    stack: ComposeStack, gateway: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for name, app in stack.apps.items():
            if app.port is None:
                continue  # the migrate step has done its work and exited
            ready = await client.get(f"{app.url}/ready")
            assert ready.status_code == 200, (name, ready.text)
            scraped = await client.get(app.metrics_url)
            assert scraped.status_code == 200, name
            # The /ready answered just now is counted there (not merely described).
            assert re.search(r'mediaops_http_requests_total\{[^}]*route="/ready"', scraped.text)
    assert (await gateway.get("/metrics")).status_code == 404
    assert stack.apps["migrate"].process is not None
    assert stack.apps["migrate"].process.returncode == 0


async def test_an_owner_signs_up_by_mail_and_publishes_with_tracked_links(
    stack: ComposeStack,
    gateway: httpx.AsyncClient,
    smtp: FakeSmtp,
    webhook: WebhookReceiver,
) -> None:
    # Sign up: the mail goes out by SMTP, and its link opens the gateway's page.
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    before = len(smtp.received)
    started = await gateway.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "星辰咖啡", "email": email, "password": PASSWORD},
    )
    assert started.status_code == 202, started.text
    text = await mail_to(smtp, email, before)
    [confirm_link] = {link for link in LINK.findall(text) if "/signup/confirm" in link}
    page = await through_the_public_url(gateway, confirm_link)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    token = dict(pair.split("=", 1) for pair in urlsplit(confirm_link).query.split("&"))["token"]
    confirmed = await gateway.post("/api/v1/auth/signup/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text

    login = await gateway.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

    # A webhook channel, and a post with a link, published at once: content-svc asks
    # channel-svc about the channel it may not have heard of yet (CONTENT_CHANNEL_SVC_URL).
    channel = await gateway.post(
        "/api/v1/channels",
        json={"platform": "webhook", "name": "品牌官网", "config": {"url": webhook.url}}
        | {"secret": SECRET},
        headers=auth,
    )
    assert channel.status_code == 201, channel.text
    post = await gateway.post(
        "/api/v1/posts",
        json={
            "title": "秋季新品上市",
            "body_markdown": "# 新品\n\n详情见[官网](https://www.example.com/autumn)。",
        },
        headers=auth,
    )
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    published = await gateway.post(
        f"/api/v1/posts/{post_id}/publish",
        json={"channel_ids": [channel.json()["id"]]},
        headers=auth,
    )
    assert published.status_code == 200, published.text

    async def outcome() -> dict[str, Any] | None:
        shown = (await gateway.get(f"/api/v1/posts/{post_id}", headers=auth)).json()
        channels = shown.get("channels", [])
        return channels[0] if channels and channels[0]["status"] != "pending" else None

    assert (await eventually(outcome, timeout=60))["status"] == "succeeded"

    # The delivered post carries a tracked link on the public address, which resolves.
    [delivery] = [d for d in webhook.deliveries if json.loads(d.body)["post"]["post_id"] == post_id]
    assert webhook.verify(delivery, SECRET)
    rendered = str(json.loads(delivery.body)["rendered"].get("body"))
    [tracked] = {link for link in LINK.findall(rendered) if "/l/" in link}
    redirect = await through_the_public_url(gateway, tracked)
    assert redirect.status_code == 302, redirect.text
    assert redirect.headers["location"].startswith("https://www.example.com/autumn")


async def test_a_feed_names_itself_by_the_public_address(
    stack: ComposeStack, gateway: httpx.AsyncClient
) -> None:
    # The first owner made without mail, as an ops engineer would (`docker compose exec
    # gateway mediaops-admin create-owner`), in the gateway's image with its environment.
    auth = await owner_made_by_admin(stack, gateway, "运营团队")

    feed = await gateway.post(
        "/api/v1/channels",
        json={"platform": "feed", "name": "品牌博客订阅", "config": {"title": "品牌动态"}},
        headers=auth,
    )
    assert feed.status_code == 201, feed.text
    post = await gateway.post(
        "/api/v1/posts", json={"title": "冬季新品", "body_markdown": "上新了。"}, headers=auth
    )
    post_id = post.json()["id"]
    await gateway.post(
        f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [feed.json()["id"]]}, headers=auth
    )
    feed_url = PUBLIC_URL + feed.json()["feed_path"]

    async def entries() -> list[Any]:
        response = await through_the_public_url(gateway, feed_url)
        assert response.status_code == 200, response.text
        return list(feedparser.parse(response.content).entries)

    [entry] = await eventually(entries, timeout=60)
    assert entry.title == "冬季新品"
    parsed = feedparser.parse((await through_the_public_url(gateway, feed_url)).content)
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [feed_url]


async def through_caddy(
    stack: ComposeStack, gateway: httpx.AsyncClient, link: str
) -> httpx.Response:
    """What the tls profile's Caddy does with a link on the public address: a path it hands
    to MinIO goes there, path, query and Host header as they are; the rest to the gateway."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, link
    minio_paths = re.findall(
        r"handle (/\S+)\* \{\s*reverse_proxy minio:9000", CADDYFILE.read_text()
    )
    if not any(parts.path.startswith(prefix) for prefix in minio_paths):
        return await through_the_public_url(gateway, link)
    async with httpx.AsyncClient(timeout=15) as minio:
        return await minio.get(
            f"{stack.minio_url}{parts.path}?{parts.query}", headers={"Host": parts.netloc}
        )


async def test_an_uploaded_image_opens_from_its_link_on_the_public_address(
    stack: ComposeStack, gateway: httpx.AsyncClient
) -> None:
    auth = await owner_made_by_admin(stack, gateway, "图片工作室")
    data = image_bytes("PNG", (320, 240))

    uploaded = await gateway.post(
        "/api/v1/media", files={"file": ("cover.png", data, "image/png")}, headers=auth
    )

    assert uploaded.status_code == 201, uploaded.text
    item = uploaded.json()
    # Presigned for the public address, not for minio:9000 (compose's network only) ...
    assert item["url"].startswith(f"{PUBLIC_URL}/mediaops-media/"), item["url"]
    # ... whose proxy hands the bucket's path to MinIO.
    opened = await through_caddy(stack, gateway, item["url"])
    assert (opened.status_code, opened.content) == (200, data)
    thumbnail = await through_caddy(stack, gateway, item["thumbnail_url"])
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/jpeg")
