"""The foundation's figures, measured in one run on one machine.

1. Publish latency: from the publish call returning to `distribution.succeeded` being
   applied in content-svc (the post's channel row records when it was applied), one post
   at a time, over 200 posts to a webhook channel.
2. Proxy overhead: requests per second for `GET /api/v1/posts/{id}` through the gateway
   against the same request sent straight to content-svc, with the same client and
   concurrency, and the ratio between them.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.common import (
    as_the_gateway_sends,
    running_stack,
    sign_up,
    summary_ms,
    webhook_channel,
    webhook_sink,
)

POSTS = 200
REQUESTS = 3000
CONCURRENCY = 16


async def publish_latency(
    gateway: str,
    hook_url: str,
    mail_dir: Path,
    *,
    posts: int = POSTS,
    quiet_seconds: float = 0.0,
) -> list[float]:
    """Publish → outcome applied, one post at a time; `quiet_seconds` of nothing before
    each publish measures the first event after a quiet spell (consumers backed off)."""
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        auth = await sign_up(client, mail_dir)
        channel_id = await webhook_channel(client, auth, hook_url)
        latencies: list[float] = []
        for i in range(posts + 5):
            post = await client.post(
                "/api/v1/posts", json={"title": f"第 {i} 篇", "body_markdown": "正文"}, headers=auth
            )
            post.raise_for_status()
            post_id = post.json()["id"]
            if i >= 5:
                await asyncio.sleep(quiet_seconds)
            published = await client.post(
                f"/api/v1/posts/{post_id}/publish", json={"channel_ids": [channel_id]}, headers=auth
            )
            published.raise_for_status()
            returned_at = datetime.now(UTC)
            while True:
                body = (await client.get(f"/api/v1/posts/{post_id}", headers=auth)).json()
                row = body["channels"][0]
                if row["status"] == "succeeded":
                    applied_at = datetime.fromisoformat(row["updated_at"])
                    break
                if row["status"] == "failed":
                    raise RuntimeError(f"distribution failed: {row}")
                await asyncio.sleep(0.025)
            if i >= 5:  # the first few warm the consumers' connections
                latencies.append(max(0.0, (applied_at - returned_at).total_seconds()))
        return latencies


async def requests_per_second(base_url: str, path: str, headers: dict[str, str]) -> float:
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=httpx.Limits(max_connections=CONCURRENCY)
    ) as client:
        for _ in range(50):  # warm-up
            (await client.get(path)).raise_for_status()
        remaining = REQUESTS

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.get(path)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return REQUESTS / (time.perf_counter() - started)


async def proxy_ratio(
    gateway: str, content: str, mail_dir: Path, key_dir: Path
) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=gateway) as client:
        auth = await sign_up(client, mail_dir)
        post = await client.post(
            "/api/v1/posts", json={"title": "读我", "body_markdown": "正文"}, headers=auth
        )
        post.raise_for_status()
        path = f"/api/v1/posts/{post.json()['id']}"
    # Straight to content-svc with the token the gateway would mint for it.
    direct = await requests_per_second(content, path, as_the_gateway_sends(key_dir, auth))
    proxied = await requests_per_second(gateway, path, auth)
    return direct, proxied


def run() -> list[str]:
    with webhook_sink() as hook_url, running_stack() as stack:
        gateway, content = stack.url("gateway"), stack.url("content")
        latencies = asyncio.run(publish_latency(gateway, hook_url, stack.mail_dir))
        direct, proxied = asyncio.run(
            proxy_ratio(gateway, content, stack.mail_dir, stack.data_dir / "keys")
        )
    return [
        "## Publish to applied outcome (webhook channel, SQLite, embedded broker)",
        "",
        "- publish returned → `distribution.succeeded` applied in content-svc: "
        f"{summary_ms(latencies)} (target p50 < 50 ms)",
        "",
        "## Gateway proxy against direct (`GET /api/v1/posts/{id}`)",
        "",
        f"- direct to content-svc: {direct:.0f} req/s; through the gateway: {proxied:.0f} req/s;"
        f" ratio {proxied / direct:.2f} (target ≥ 0.5); {REQUESTS} requests,"
        f" {CONCURRENCY} concurrent, httpx client on the same machine",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
