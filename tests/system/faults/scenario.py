"""The fault scenario: set up a workspace, run the workload, cause every fault, settle."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from event_contracts import CloudEvent, DistributionFailedV1, FailureReason, InvalidEvent
from event_contracts.registry import TOPICS
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.gateway_harness import sign_up
from tests.system.faults.kafka import Record, produce, read_topic
from tests.system.faults.stack import FaultRig
from tests.system.faults.workload import Channels, Window, Workload

PASSWORD = "correct horse battery 9"
SECRET = "a-webhook-secret-of-some-length"
ACCOUNTS = [("wxfa0175a0000000a1", "S" * 32), ("wxfa0175b0000000b2", "T" * 32)]
SERVICES = ("content", "channel", "user", "metrics")
FINAL = {"succeeded", "failed", "cancelled", "taken_down"}
# Deferred until the quota resets: by WeChat (45009), or by channel-svc, which then holds
# back the channel's other posts without calling.
QUOTA_SPENT = {"wechat_45009", "quota_spent"}


@dataclass
class Duplicates:
    """What was put on the topics straight, beside the services' own events."""

    copied: list[tuple[str, str]] = field(default_factory=list)  # (topic, event id) twice each
    stale: dict[str, Any] = field(default_factory=dict)  # the older outcome sent after
    poison: dict[str, list[str]] = field(default_factory=dict)  # topic -> keys sent


@dataclass
class History:
    rig: FaultRig
    workload: Workload
    workspace_id: str
    channels: Channels
    windows: list[Window]
    duplicates: Duplicates
    webhook_before_duplicates: int = 0
    wechat_before_duplicates: int = 0
    retried: list[dict[str, Any]] = field(default_factory=list)  # quota-deferred, sent again
    distributions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    post_channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # stats post -> reads in metrics-svc
    interactions: list[str] = field(default_factory=list)  # external ids listed by user-svc
    ready: dict[str, Any] = field(default_factory=dict)
    dlq: dict[str, list[Record]] = field(default_factory=dict)
    consumed: dict[tuple[str, str, str], float] = field(
        default_factory=dict
    )  # topic, group, outcome
    settled: bool = False
    timeline: list[str] = field(default_factory=list)


class Api:
    """A small client of the gateway for the scenario itself (not part of the workload)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.auth: dict[str, str] = {}

    async def login(self, email: str) -> None:
        for _ in range(60):
            try:
                response = await self.client.post(
                    "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
                if response.status_code == 200:
                    self.auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        raise AssertionError(f"cannot log in as {email}")

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, path, headers=self.auth, **kwargs)
        return response

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.call("POST", path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())


async def set_up(api: Api, rig: FaultRig) -> tuple[str, str, Channels, list[str]]:
    email = f"faults-{uuid.uuid4().hex[:10]}@example.com"
    await sign_up(
        api.client, rig.stack.mail_dir, email=email, password=PASSWORD, workspace_name="故障演练"
    )
    await api.login(email)
    me = (await api.call("GET", "/api/v1/auth/me")).json()
    webhook = await api.create(
        "/api/v1/channels",
        {
            "platform": "webhook",
            "name": "品牌官网",
            "config": {"url": rig.webhook.url},
            "secret": SECRET,
        },
    )
    feed = await api.create(
        "/api/v1/channels", {"platform": "feed", "name": "订阅源", "config": {"title": "演练"}}
    )
    wechat = []
    for n, (appid, secret) in enumerate(ACCOUNTS):
        rig.wechat.add_account(appid, secret)
        channel = await api.create(
            "/api/v1/channels",
            {
                "platform": "wechat_oa",
                "name": f"公众号{n}",
                "config": {
                    "base_url": rig.wechat_server.url,
                    "link_template": "https://www.example.com/p/{post_id}",
                },
                "credentials": {"appid": appid, "secret": secret},
            },
        )
        wechat.append(str(channel["id"]))
    channels = Channels(webhook=str(webhook["id"]), feed=str(feed["id"]), wechat=wechat)
    # Posts whose figures the workload reports: published to the webhook alone.
    stats_posts = []
    for n in range(2):
        post = await api.create(
            "/api/v1/posts", {"title": f"数据稿件{n}", "body_markdown": "读者很多的一篇。"}
        )
        published = await api.call(
            "POST", f"/api/v1/posts/{post['id']}/publish", json={"channel_ids": [channels.webhook]}
        )
        assert published.status_code == 200, published.text
        stats_posts.append(str(post["id"]))
    deadline = time.monotonic() + 30
    for post_id in stats_posts:  # metrics-svc must know the post before figures arrive
        while (await api.call("GET", f"/api/v1/reports/posts/{post_id}")).status_code != 200:
            assert time.monotonic() < deadline, f"metrics-svc never learnt of post {post_id}"
            await asyncio.sleep(0.2)
    return email, str(me["workspace"]["id"]), channels, stats_posts


async def start_workload(api: Api, rig: FaultRig) -> tuple[str, Channels, Workload]:
    """A fresh workspace with its channels, and the workload that publishes to them."""
    email, workspace_id, channels, stats_posts = await set_up(api, rig)
    workload = Workload(
        base_url=rig.stack.url("gateway"),
        email=email,
        password=PASSWORD,
        channels=channels,
        stats_posts=stats_posts,
        cover_url=f"{rig.wechat_server.url}/_fake/images/cover.png",
    )
    return workspace_id, channels, workload


async def wait_for_sending(api: Api, timeout: float) -> str | None:
    """A distribution channel-svc is sending right now (so that a kill interrupts it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = await api.call("GET", "/api/v1/distributions", params={"status": "sending"})
        if response.status_code == 200 and response.json()["items"]:
            return str(response.json()["items"][0]["id"])
        await asyncio.sleep(0.05)
    return None


def _events(records: list[Record]) -> list[tuple[Record, CloudEvent]]:
    events = []
    for record in records:
        try:
            events.append((record, CloudEvent.from_bytes(record.value or b"")))
        except InvalidEvent:  # a poison message
            continue
    return events


async def duplicate_and_reorder(history: History) -> None:
    """The same CloudEvent twice on each consumed topic the workload feeds, and an older
    distribution outcome after a newer one."""
    bootstrap = history.rig.stack.bootstrap
    wl = history.workload
    messages: list[tuple[str, bytes | None, bytes]] = []
    for topic in (
        "post.published",
        "distribution.succeeded",
        "stats.ingested",
        "interaction.received",
    ):
        events = [
            (record, event)
            for record, event in _events(await read_topic(bootstrap, topic))
            if event.workspaceid == history.workspace_id
        ]
        if topic == "post.published":
            events = [(r, e) for r, e in events if e.data["post_id"] in wl.publications]
        if topic == "distribution.succeeded":
            events = [(r, e) for r, e in events if e.data["channel_id"] == history.channels.webhook]
        assert events, f"no {topic} event of the workload on the broker to copy"
        record, event = events[-1]
        assert record.value is not None
        messages += [(topic, record.key, record.value), (topic, record.key, record.value)]
        history.duplicates.copied.append((topic, event.id))
        if topic == "distribution.succeeded":
            done = event.data
            older = event.time - timedelta(seconds=60)
            stale = CloudEvent.create(
                "distribution.failed",
                "/channel-svc",
                done["distribution_id"],
                history.workspace_id,
                DistributionFailedV1(
                    distribution_id=done["distribution_id"],
                    post_id=done["post_id"],
                    channel_id=done["channel_id"],
                    workspace_id=history.workspace_id,
                    platform=done["platform"],
                    reasons=[FailureReason(code="unreachable", message="an older attempt failed")],
                    attempts=1,
                    failed_at=older,
                    retryable=True,
                ),
            )
            stale.time = older
            messages.append(("distribution.failed", done["post_id"].encode(), stale.to_bytes()))
            history.duplicates.stale = {"event_id": stale.id, **done}
    await produce(bootstrap, messages)


async def poison(history: History) -> None:
    """Garbage bytes and a valid envelope with an impossible payload on every consumed topic."""
    messages: list[tuple[str, bytes | None, bytes]] = []
    for topic in TOPICS:
        if not topic.consumers:
            continue
        garbage_key = f"poison-garbage-{uuid.uuid4()}"
        impossible_key = f"poison-payload-{uuid.uuid4()}"
        impossible = CloudEvent(
            source="/faults",
            type=topic.name,
            subject="impossible",
            workspaceid=history.workspace_id,
            data={**topic.example, topic.key: impossible_key, "workspace_id": 12345},
        )
        messages += [
            (topic.name, garbage_key.encode(), b"\x00\xff{not json at all"),
            (topic.name, impossible_key.encode(), impossible.to_bytes()),
        ]
        history.duplicates.poison[topic.name] = [garbage_key, impossible_key]
    await produce(history.rig.stack.bootstrap, messages)


async def consumed_counts(history: History) -> dict[tuple[str, str, str], float]:
    """`mediaops_events_consumed_total` of every consuming process, by topic, group, outcome."""
    found: dict[tuple[str, str, str], float] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for name in ("content", "channel", "metrics"):
            try:
                text = (await client.get(history.rig.stack.metrics_url(name))).text
            except httpx.HTTPError:
                continue
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "mediaops_events_consumed_total":
                        labels = sample.labels
                        where = (labels["topic"], labels["group"], labels["outcome"])
                        found[where] = sample.value
    return found


def consumers_caught_up(
    history: History, subscribed: dict[str, set[str]], consumed: dict[tuple[str, str, str], float]
) -> bool:
    """Every subscriber has seen the copies and the poison (a restarted consumer may need
    a while to rejoin its group on the embedded broker)."""
    copied = {topic for topic, _ in history.duplicates.copied}
    for group, topics in subscribed.items():
        for topic in topics & copied:
            if consumed.get((topic, group, "duplicate"), 0) < 2:
                return False
        for topic in topics & set(history.duplicates.poison):
            if consumed.get((topic, group, "dead_lettered"), 0) < 2:
                return False
    return True


async def settle(
    api: Api, history: History, subscribed: dict[str, set[str]], timeout: float
) -> None:
    """Wait until every acknowledged publication is settled everywhere (sending again, as
    an operator would, what the spent quota deferred), then take the final snapshot."""
    wl = history.workload
    deadline = time.monotonic() + timeout
    retried: set[str] = set()
    while True:
        done = True
        for post_id, channel_ids in wl.publications.items():
            listed = await api.call("GET", "/api/v1/distributions", params={"post_id": post_id})
            items = listed.json()["items"] if listed.status_code == 200 else []
            history.distributions[post_id] = items
            for item in items:
                if item["status"] == "deferred" and item["error_code"] in QUOTA_SPENT:
                    if item["id"] not in retried:
                        cancelled = await api.call(
                            "POST", f"/api/v1/distributions/{item['id']}/cancel"
                        )
                        again = await api.call("POST", f"/api/v1/distributions/{item['id']}/retry")
                        retried.add(item["id"])
                        history.retried.append(
                            {
                                "id": item["id"],
                                "cancel": cancelled.status_code,
                                "retry": again.status_code,
                            }
                        )
            post = await api.call("GET", f"/api/v1/posts/{post_id}")
            history.post_channels[post_id] = (
                post.json().get("channels", []) if post.status_code == 200 else []
            )
            statuses = {item["channel_id"]: item["status"] for item in items}
            shown = {c["channel_id"]: c["status"] for c in history.post_channels[post_id]}
            if (
                len(items) != len(channel_ids)
                or not set(statuses.values()) <= FINAL
                or shown != statuses
            ):
                done = False
        for post_id in wl.stats_posts:
            report = await api.call(
                "GET", f"/api/v1/reports/posts/{post_id}", params={"metric": "reads"}
            )
            history.totals[post_id] = (
                report.json()["totals"].get("reads", 0) if report.status_code == 200 else -1
            )
        history.ready = {}
        async with httpx.AsyncClient(timeout=5) as client:
            for name in SERVICES:
                try:
                    history.ready[name] = (
                        await client.get(f"{history.rig.stack.url(name)}/ready")
                    ).json()
                except (httpx.HTTPError, ValueError) as exc:
                    history.ready[name] = {"error": repr(exc)}
        if any(r.get("checks", {}).get("outbox_waiting") != 0 for r in history.ready.values()):
            done = False
        if history.totals != {p: wl.stats_acked.get(p, 0) for p in wl.stats_posts}:
            done = False
        stale_id = history.duplicates.stale.get("event_id")
        if not any(r.get("event_id") == stale_id for r in history.rig.log.records("content")):
            done = False  # the older outcome is not consumed yet
        if not consumers_caught_up(history, subscribed, await consumed_counts(history)):
            done = False
        if done or time.monotonic() > deadline:
            history.settled = done
            break
        await asyncio.sleep(0.5)
    listed_ids: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200, "platform": "weibo"}
        if cursor:
            params["cursor"] = cursor
        page = (await api.call("GET", "/api/v1/interactions", params=params)).json()
        listed_ids += [item["external_id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    history.interactions = listed_ids
    history.consumed.update(await consumed_counts(history))
    bootstrap = history.rig.stack.bootstrap
    for topic in history.duplicates.poison:
        history.dlq[topic] = await read_topic(bootstrap, f"{topic}.dlq")


async def run_scenario(rig: FaultRig, subscribed: dict[str, set[str]]) -> History:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=rig.stack.url("gateway"), timeout=20) as client:
        api = Api(client)
        workspace_id, channels, workload = await start_workload(api, rig)
        history = History(rig, workload, workspace_id, channels, [], Duplicates())

        def note(text: str) -> None:
            history.timeline.append(f"{time.monotonic() - started:6.1f}s {text}")

        running = asyncio.create_task(workload.run())
        fake = rig.wechat
        await asyncio.sleep(3)
        note("wechat answers 503")
        with fake.lock:
            fake.fail_5xx = 4
        await asyncio.sleep(3)
        note("wechat answers slowly")
        fake.latency_seconds = 0.8
        await asyncio.sleep(3)
        fake.latency_seconds = 0.0
        note("wechat tokens expired and force-refreshed by another system")
        fake.expire_token(ACCOUNTS[0][0])
        fake.force_stable_refresh(ACCOUNTS[1][0])
        await asyncio.sleep(2)
        note("wechat quota spent on the second account")
        fake.spend_quota(ACCOUNTS[1][0], "draft/add")
        await asyncio.sleep(3)

        window = Window("broker", time.monotonic())
        history.windows.append(window)
        note("broker killed")
        await asyncio.to_thread(rig.stack.kill, "broker")
        await asyncio.sleep(2)
        await asyncio.to_thread(rig.stack.restart, "broker")
        window.end = time.monotonic()
        note("broker back")
        await asyncio.sleep(3)

        for name in (*SERVICES, "gateway"):
            if name == "channel":
                fake.reset_quotas()  # midnight in Beijing, while channel-svc is down
                fake.latency_seconds = 1.5
                sending = await wait_for_sending(api, timeout=8)
                note(f"channel-svc is sending distribution {sending}")
            window = Window(name, time.monotonic())
            history.windows.append(window)
            note(f"{name} killed")
            await asyncio.to_thread(rig.stack.kill, name)
            await asyncio.sleep(1.0)
            await asyncio.to_thread(rig.stack.restart, name)
            window.end = time.monotonic()
            note(f"{name} back")
            fake.latency_seconds = 0.0
            if name == "gateway":
                await api.login(workload.email)
            await asyncio.sleep(1.0)

        history.webhook_before_duplicates = len(rig.webhook.deliveries)
        history.wechat_before_duplicates = len(rig.wechat.publications)
        note("duplicates and a stale outcome produced")
        await duplicate_and_reorder(history)
        note("poison produced")
        await poison(history)
        await asyncio.sleep(3)
        note("workload stopping")
        workload.stop.set()
        await asyncio.wait_for(running, 90)
        note("settling")
        await settle(api, history, subscribed, timeout=90)
        note(f"settled={history.settled}")
        statuses = Counter(call.status for call in workload.calls)
        note(
            f"{len(workload.publications)} publications acknowledged, "
            f"{len(rig.wechat.publications)} WeChat articles, answers {dict(statuses)}, "
            f"re-sent after the quota: {history.retried}"
        )
    return history


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)[:4000]
