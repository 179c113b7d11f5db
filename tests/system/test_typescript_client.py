"""The TypeScript client's example (clients/typescript/examples/publish.ts), compiled with
`tsc` and run by Node against the real stack: it signs in, writes a post, publishes it to
a webhook channel and reads the outcome, which the webhook confirms."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid

import httpx
import pytest

from tests.gateway.gateway_harness import sign_up
from tests.system.conftest import GatewayClient, WebhookReceiver
from tests.system.test_publish_slice import add_webhook
from tests.typescript_client.tooling import CLIENT, node_tool

PASSWORD = "correct horse battery 9"


@pytest.mark.timeout(600)
async def test_the_typed_example_publishes_a_post_through_the_gateway(
    gateway: httpx.AsyncClient, webhook: WebhookReceiver
) -> None:
    assert isinstance(gateway, GatewayClient)
    email = f"ts-{uuid.uuid4().hex[:8]}@example.com"
    await sign_up(gateway, gateway.mail_dir, email=email, password=PASSWORD)
    login = await gateway.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    channel_id = await add_webhook(gateway, auth, webhook.url)
    tsc = node_tool("tsc")
    out_dir = CLIENT / ".build" / f"example-{uuid.uuid4().hex[:8]}"  # beside node_modules
    try:
        compiled = await asyncio.to_thread(
            subprocess.run,
            [tsc, "-p", "tsconfig.json", "--outDir", str(out_dir)],
            cwd=CLIENT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert compiled.returncode == 0, compiled.stdout[-4000:]
        ran = await asyncio.to_thread(
            subprocess.run,
            ["node", str(out_dir / "examples" / "publish.js")],
            cwd=CLIENT,
            env={
                **os.environ,
                "MEDIAOPS_URL": str(gateway.base_url).rstrip("/"),
                "MEDIAOPS_EMAIL": email,
                "MEDIAOPS_PASSWORD": PASSWORD,
                "MEDIAOPS_CHANNEL_ID": channel_id,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    assert ran.returncode == 0, ran.stderr[-4000:]
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "published"
    assert [(c["channel_id"], c["status"]) for c in outcome["channels"]] == [
        (channel_id, "succeeded")
    ]
    post = (await gateway.get(f"/api/v1/posts/{outcome['post_id']}", headers=auth)).json()
    assert post["title"] == "春季新品发布会"
    delivered = [json.loads(d.body)["post"] for d in webhook.deliveries]
    mine = [p["title"] for p in delivered if p["post_id"] == outcome["post_id"]]
    assert mine == ["春季新品发布会"]  # once
