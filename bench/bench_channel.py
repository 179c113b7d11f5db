"""channel-svc figures: from `post.published` to `distribution.succeeded`, per channel kind.

100 posts, each to 3 channels of one workspace: a webhook (a local sink), a feed, and a
WeChat official account (the WeChat fake over real HTTP: cover upload, article image,
draft, submit, then `freepublish/get` until published). Each post's event is applied
through channel-svc's consumer (the code path of a Kafka delivery, without the broker),
one post at a time, on SQLite, with the delivery worker running; the time is taken from
applying the event to the distribution's `succeeded` row being committed.

Baseline, in the same run: the same 100 posts to the webhook channel alone (the path that
existed before the platforms), and the ratio between them. WeChat's confirmation poll is
set to 50 ms here (10 s by default, as WeChat's daily `freepublish/get` quota is small),
the fake's daily quotas are raised (100 submits a day in reality), and per-channel rate
limits are off (on by default: 20 sends a minute to one WeChat
account would make this a measure of the limit, not of the pipeline).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from channel_svc.app import create_runtime
from channel_svc.channels import service as channels
from channel_svc.channels.schemas import ChannelCreate
from channel_svc.models import Base, Distribution
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.settings import SharedSettings
from sqlalchemy import select

from bench.common import summary_ms, webhook_sink
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat

POSTS = 100
WARMUP = 3
APPID, SECRET = "wx0123456789abcdef", "0123456789abcdef0123456789abcdef"


def event(workspace_id: str, channel_ids: list[str], images: str, i: int) -> CloudEvent:
    post = PostPublishedV1(
        post_id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        version=1,
        title=f"春季新品发布会回顾 {i}",
        body_markdown=f"## 亮点\n\n新品上市，欢迎体验。\n\n![图]({images}/_fake/images/b.png)",
        body_html=(
            "<h2>亮点</h2><p>新品上市，欢迎体验。</p>"
            f'<p><img src="{images}/_fake/images/b.png"></p>'
        ),
        summary="一文看懂本次发布会。",
        cover_url=f"{images}/_fake/images/cover.png",
        tags=["新品"],
        keywords=["春季"],
        channel_ids=channel_ids,
        author_id=str(uuid.uuid4()),
        published_at=datetime.now(UTC),
    )
    return CloudEvent.create("post.published", "/content-svc", post.post_id, workspace_id, post)


async def add(runtime: ChannelRuntime, workspace_id: str, body: dict[str, object]) -> str:
    async with runtime.db.transaction() as session:
        channel = await channels.create_channel(
            session,
            workspace_id=workspace_id,
            data=ChannelCreate.model_validate(body),
            adapters=runtime.adapters,
            cipher=runtime.cipher,
        )
        return channel.id


async def publish_all(
    runtime: ChannelRuntime, workspace_id: str, channel_ids: list[str], images: str
) -> dict[str, list[float]]:
    """Per channel id: seconds from applying the event to `succeeded` being committed."""
    handler = runtime.consumer.handlers["post.published"]
    latencies: dict[str, list[float]] = {cid: [] for cid in channel_ids}
    for i in range(POSTS + WARMUP):
        published = event(workspace_id, channel_ids, images, i)
        started = time.perf_counter()
        await runtime.consumer.apply(published, handler)
        done: dict[str, float] = {}
        async with asyncio.timeout(30):
            while len(done) < len(channel_ids):
                async with runtime.db.transaction() as session:
                    rows = await session.execute(
                        select(Distribution.channel_id, Distribution.status).where(
                            Distribution.post_id == published.data["post_id"]
                        )
                    )
                    for channel_id, status in rows.all():
                        if status in ("failed", "deferred"):
                            raise RuntimeError(f"distribution to {channel_id} is {status}")
                        if status == "succeeded" and channel_id not in done:
                            done[channel_id] = time.perf_counter() - started
                await asyncio.sleep(0.001)
        if i >= WARMUP:
            for channel_id, seconds in done.items():
                latencies[channel_id].append(seconds)
    return latencies


async def measure(hook_url: str, wechat_url: str, data_dir: Path) -> list[str]:
    shared = SharedSettings(environment="test", data_dir=data_dir, allow_private_urls=True)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{data_dir}/channel.db",
        shared=shared,
        confirm_poll_seconds=0.05,
        confirm_poll_max_seconds=0.2,
        watch_seconds=0,
        rate_limits=False,
        delivery_poll_seconds=0.05,
    )
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    workspace = str(uuid.uuid4())
    webhook = await add(
        runtime,
        workspace,
        {"platform": "webhook", "name": "sink", "config": {"url": hook_url}, "secret": "s" * 24},
    )
    feed = await add(runtime, workspace, {"platform": "feed", "name": "feed"})
    wechat = await add(
        runtime,
        workspace,
        {
            "platform": "wechat_oa",
            "name": "公众号",
            "config": {"base_url": wechat_url},
            "credentials": {"appid": APPID, "secret": SECRET},
        },
    )
    worker = asyncio.create_task(runtime.worker.run())
    try:
        baseline = await publish_all(runtime, workspace, [webhook], wechat_url)
        three = await publish_all(runtime, workspace, [webhook, feed, wechat], wechat_url)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await runtime.stop()
    base = sorted(baseline[webhook])[len(baseline[webhook]) // 2]
    every = [max(values) for values in zip(three[webhook], three[feed], three[wechat], strict=True)]

    def ratio(values: list[float]) -> str:
        return f"{sorted(values)[len(values) // 2] / base:.1f}× baseline p50"

    return [
        "## channel-svc: `post.published` → `distribution.succeeded` (SQLite, in-process consumer)",
        "",
        f"- baseline, webhook channel alone: {summary_ms(baseline[webhook])}",
        f"- 3 channels, webhook: {summary_ms(three[webhook])}; {ratio(three[webhook])}",
        f"- 3 channels, feed: {summary_ms(three[feed])}; {ratio(three[feed])}",
        f"- 3 channels, WeChat fake (upload ×2, draft, submit, ≥1 poll at 50 ms): "
        f"{summary_ms(three[wechat])}; {ratio(three[wechat])}",
        f"- 3 channels, all three done: {summary_ms(every)}; {ratio(every)}",
        "",
    ]


def run() -> list[str]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    # The real daily quota (100 submits) would defer the last posts until midnight.
    fake.quotas = {api: 100_000 for api in fake.quotas}
    running = serve_in_thread(create_wechat(fake))
    try:
        with webhook_sink() as hook_url, tempfile.TemporaryDirectory() as tmp:
            return asyncio.run(measure(hook_url, running.url, Path(tmp)))
    finally:
        running.stop()


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
