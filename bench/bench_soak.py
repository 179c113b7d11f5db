"""A bounded soak: a realistic mix through the gateway for a fixed time at a fixed rate, with
every process's memory, the latency, the throughput and the 5xx answers sampled as it goes,
then how long the outbox and the consumers take to catch up once the load stops.

    .venv/bin/python -m bench.bench_soak          # an hour (MEDIAOPS_SOAK_SECONDS=3600)

The stack is `make run`'s (SQLite per service, the embedded broker) on free ports of
127.0.0.1; the load is open loop (a request is started on its tick, whether or not the
earlier ones answered), at most `MEDIAOPS_SOAK_RATE` a second and so at most rate × seconds
requests in all, from one asyncio client on the same machine, CONCURRENCY at a time. The mix
is an operator team's day: signing in, listing and reading posts, writing and publishing
them (to a webhook channel), members, interactions pushed in by a collector, figures pushed
in, reports read. The plot (PNG) goes to `MEDIAOPS_SOAK_PLOT` (docs/soak.png by default).
"""

from __future__ import annotations

import asyncio
import bisect
import os
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from bench.common import (
    PASSWORD,
    ROOT,
    percentile,
    running_stack,
    sign_up,
    webhook_channel,
    webhook_sink,
)

SECONDS = float(os.environ.get("MEDIAOPS_SOAK_SECONDS", "3600"))
RATE = float(os.environ.get("MEDIAOPS_SOAK_RATE", "20"))  # requests a second, at most
PLOT = Path(os.environ.get("MEDIAOPS_SOAK_PLOT", ROOT / "docs" / "soak.png"))
CONCURRENCY = 16
SAMPLE_SECONDS = 10.0
WARM_UP = 0.1  # memory is compared from the end of the first tenth of the run
DRAIN_LIMIT_SECONDS = 120.0
SIGN_IN_EVERY_SECONDS = 60.0
SETTLE_SECONDS = 30.0  # after publishing, before the mix pushes the post's figures
OVERRUN_SECONDS = 60.0  # after the last tick, for the answers still on their way
PROCESSES = ("gateway", "content", "channel", "user", "metrics")
_METRIC_LINE = re.compile(
    r"^(mediaops_outbox_waiting_events|mediaops_consumer_lag)\b.* ([0-9.e+]+)$"
)


@dataclass
class Team:
    """What the mix works on: the operators' headers, their channel and posts."""

    auth: dict[str, str]
    email: str
    channel_id: str
    drafts: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    published_at: list[float] = field(default_factory=list)  # monotonic, as `published`
    counter: int = 0
    signed_in_at: float = 0.0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def settled(self) -> list[str]:
        """The posts published long enough ago for figures and comments to come in: the
        platforms' figures come minutes after publishing, and a figure pushed for a post
        metrics-svc has not heard of yet is rightly refused (422 unknown post)."""
        known = bisect.bisect(self.published_at, time.monotonic() - SETTLE_SECONDS)
        return self.published[:known]


@dataclass
class Window:
    """One sampling period: the answers that ended in it and the state at its end."""

    at: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # 5xx and transport failures
    rejected: int = 0  # 4xx: a request of the mix the API refused (a defect of the mix)
    rss_mib: dict[str, float] = field(default_factory=dict)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    waiting: float = 0.0  # outbox rows and consumer lag across the services


@dataclass
class Outcome:
    windows: list[Window]
    drained: float  # seconds from the last answer to no outbox row or lag left
    sent: int
    unanswered: int
    refused: Counter[str]  # "action status" of every 4xx, 5xx and failure


def _name(action: Action) -> str:
    return action.__name__.strip("_")


def _tenths(windows: list[Window]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each action's latencies in the first and in the last tenth of the run: what grows."""
    tenth = max(1, len(windows) // 10)
    first: dict[str, list[float]] = {}
    final: dict[str, list[float]] = {}
    for window in windows[:tenth]:
        for name, latencies in window.by_action.items():
            first.setdefault(name, []).extend(latencies)
    for window in windows[-tenth:]:
        for name, latencies in window.by_action.items():
            final.setdefault(name, []).extend(latencies)
    return first, final


async def _list_posts(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    return await client.get("/api/v1/posts?limit=20", headers=team.auth)


async def _read_post(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    post_id = random.choice(team.published or team.drafts)
    return await client.get(f"/api/v1/posts/{post_id}", headers=team.auth)


async def _write_post(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    n = team.next()
    response = await client.post(
        "/api/v1/posts",
        json={
            "title": f"第 {n} 篇：秋季新品",
            "body_markdown": "春季新品上市，燕麦拿铁八折。" * 10,
        },
        headers=team.auth,
    )
    if response.status_code == 201:
        team.drafts.append(response.json()["id"])
    return response


async def _publish(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    if not team.drafts:
        return await _write_post(client, team)
    post_id = team.drafts.pop()
    response = await client.post(
        f"/api/v1/posts/{post_id}/publish",
        json={"channel_ids": [team.channel_id]},
        headers=team.auth,
    )
    if response.status_code == 200:
        team.published.append(post_id)
        team.published_at.append(time.monotonic())
    return response


async def _members(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    return await client.get("/api/v1/members?limit=20", headers=team.auth)


async def _interactions(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    n = team.next()
    now = datetime.now(UTC)
    settled = team.settled()
    items = [
        {
            "platform": "weibo",
            "kind": "comment" if i % 3 else "like",
            "author": {"external_id": f"fan-{(n * 7 + i) % 5000}"},
            "external_id": f"soak-{n}-{i}",
            "text": "请问什么时候有货？" if i % 3 else None,
            "post_id": random.choice(settled) if settled else None,
            "occurred_at": (now - timedelta(minutes=i)).isoformat(),
        }
        for i in range(20)
    ]
    return await client.post("/api/v1/interactions/batch", json={"items": items}, headers=team.auth)


async def _figures(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    settled = team.settled()
    if not settled:
        return await _publish(client, team)
    now = datetime.now(UTC).replace(microsecond=0)
    points = [
        {
            "post_id": post_id,
            "channel_id": team.channel_id,
            "metric": metric,
            "value": 100 + team.next(),
            "observed_at": now.isoformat(),
        }
        for post_id in random.sample(settled, min(10, len(settled)))
        for metric in ("reads", "likes", "shares", "comments")
    ]
    return await client.post("/api/v1/stats", json={"points": points}, headers=team.auth)


async def _overview(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    return await client.get("/api/v1/reports/overview", headers=team.auth)


async def _post_report(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    settled = team.settled()
    if not settled:
        return await _overview(client, team)
    post_id = random.choice(settled)
    return await client.get(f"/api/v1/reports/posts/{post_id}", headers=team.auth)


async def _sign_in(client: httpx.AsyncClient, team: Team) -> httpx.Response:
    # An operator signs in now and then, not many times a minute (which the gateway's
    # per-account limit would refuse, rightly): a list of posts instead until then.
    if time.monotonic() - team.signed_in_at < SIGN_IN_EVERY_SECONDS:
        return await _list_posts(client, team)
    team.signed_in_at = time.monotonic()
    response = await client.post(
        "/api/v1/auth/login", json={"email": team.email, "password": PASSWORD}
    )
    if response.status_code == 200:
        team.auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return response


Action = Callable[[httpx.AsyncClient, Team], Awaitable[httpx.Response]]
# An operator team's day, by weight: mostly reading, some writing, collectors pushing in.
MIX: list[tuple[Action, int]] = [
    (_list_posts, 20),
    (_read_post, 18),
    (_write_post, 10),
    (_publish, 6),
    (_members, 8),
    (_interactions, 12),
    (_figures, 10),
    (_overview, 6),
    (_post_report, 8),
    (_sign_in, 1),
]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _waiting(client: httpx.AsyncClient, urls: list[str]) -> float:
    """Outbox rows not yet sent and consumer lag, summed over the services."""
    total = 0.0
    for url in urls:
        text = (await client.get(url)).text
        for line in text.splitlines():
            found = _METRIC_LINE.match(line)
            if found:
                total += float(found.group(2))
    return total


async def _soak(
    gateway: str, hook_url: str, mail_dir: Path, pids: dict[str, int], metrics: list[str]
) -> Outcome:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        auth = await sign_up(client, mail_dir)
        me = (await client.get("/api/v1/auth/me", headers=auth)).json()
        channel_id = await webhook_channel(client, auth, hook_url)
        team = Team(auth, me["operator"]["email"], channel_id)
        for _ in range(5):
            await _write_post(client, team)
        actions = [action for action, weight in MIX for _ in range(weight)]
        gate = asyncio.Semaphore(CONCURRENCY)
        windows = [Window(at=0.0)]
        refused: Counter[str] = Counter()
        started = time.perf_counter()
        sent = 0

        async def one(action: Action, due: float) -> None:
            # Latency counts from the request's tick, its wait for a free slot included:
            # a stack that falls behind shows it here, not as a lower rate.
            async with gate:
                status = 0
                try:
                    status = (await action(client, team)).status_code
                except httpx.HTTPError:
                    pass  # a transport failure counts as an error, like a 5xx
                name = _name(action)
                if status == 0 or status >= 400:
                    refused[f"{name} {status or 'failed'}"] += 1
                window = windows[-1]
                latency = time.perf_counter() - due
                window.latencies.append(latency)
                window.by_action.setdefault(name, []).append(latency)
                window.errors += status == 0 or status >= 500
                window.rejected += 400 <= status < 500

        async def sample() -> None:
            while True:
                await asyncio.sleep(SAMPLE_SECONDS)
                window = windows[-1]
                window.at = time.perf_counter() - started
                window.rss_mib = {name: _rss_mib(pids[name]) for name in PROCESSES}
                window.waiting = await _waiting(client, metrics)
                windows.append(Window(at=0.0))

        sampler = asyncio.create_task(sample())
        tasks: set[asyncio.Task[None]] = set()
        budget = int(SECONDS * RATE)
        while sent < budget:
            due = started + sent / RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(one(random.choice(actions), due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        # The time limit holds: what a stack that fell behind has not answered by then is
        # given up (and counted), not waited for.
        _, unanswered = await asyncio.wait(tasks, timeout=OVERRUN_SECONDS) if tasks else ((), ())
        for task in unanswered:
            task.cancel()
        await asyncio.gather(*unanswered, return_exceptions=True)
        stopped = time.perf_counter()
        drained = DRAIN_LIMIT_SECONDS
        while time.perf_counter() - stopped < DRAIN_LIMIT_SECONDS:
            if await _waiting(client, metrics) == 0:
                drained = time.perf_counter() - stopped
                break
            await asyncio.sleep(0.5)
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
    return Outcome([w for w in windows if w.rss_mib], drained, sent, len(unanswered), refused)


def _plot(windows: list[Window]) -> None:
    minutes = [w.at / 60 for w in windows]
    figure, (latency, rate, memory) = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    latency.plot(minutes, [percentile(w.latencies, 50) * 1000 for w in windows], label="p50")
    latency.plot(minutes, [percentile(w.latencies, 99) * 1000 for w in windows], label="p99")
    latency.set_ylabel("latency (ms)")
    latency.legend()
    rate.plot(minutes, [len(w.latencies) / SAMPLE_SECONDS for w in windows])
    rate.set_ylabel("answers / s")
    rate.set_ylim(bottom=0)
    for name in PROCESSES:
        memory.plot(minutes, [w.rss_mib[name] for w in windows], label=name)
    memory.set_ylabel("RSS (MiB)")
    memory.set_ylim(bottom=0)
    memory.set_xlabel("minutes")
    memory.legend(fontsize="small")
    figure.suptitle(f"Soak: {RATE:g} requests/s for {SECONDS / 60:g} min through the gateway")
    figure.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PLOT, dpi=80)
    plt.close(figure)


def run() -> list[str]:
    with webhook_sink() as hook_url, running_stack() as stack:
        pids = stack.pids()
        metrics = [stack.metrics_url(name) for name in PROCESSES if name != "gateway"]
        outcome = asyncio.run(_soak(stack.url("gateway"), hook_url, stack.mail_dir, pids, metrics))
    windows, drained, sent, unanswered = (
        outcome.windows,
        outcome.drained,
        outcome.sent,
        outcome.unanswered,
    )
    if not windows:
        raise RuntimeError("the soak ended before its first sample")
    _plot(windows)
    settled = windows[max(0, int(len(windows) * WARM_UP) - 1)]
    last = windows[-1]
    growth = {
        name: (last.rss_mib[name] - settled.rss_mib[name]) / settled.rss_mib[name]
        for name in PROCESSES
    }
    latencies = [t for w in windows for t in w.latencies]
    errors = sum(w.errors for w in windows)
    rejected = sum(w.rejected for w in windows)
    worst = max(growth, key=growth.__getitem__)
    mix = ", ".join(f"{_name(action)} {weight}" for action, weight in MIX)
    first, final = _tenths(windows)
    return [
        f"## Soak: {RATE:g} requests a second for {SECONDS / 60:g} minutes through the gateway",
        "",
        f"- {sent:,} requests ({len(latencies):,} answered within the samples, "
        f"{unanswered:,} not answered {OVERRUN_SECONDS:g} s after the last was due), "
        f"**{errors} 5xx or failed**, {rejected} 4xx; "
        f"latency p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms, mean "
        f"{statistics.fmean(latencies) * 1000:.1f} ms",
        "- memory after the first tenth → at the end (RSS, MiB): "
        + ", ".join(
            f"{name} {settled.rss_mib[name]:.0f} → {last.rss_mib[name]:.0f} ({growth[name]:+.1%})"
            for name in PROCESSES
        )
        + f"; the most: {worst} {growth[worst]:+.1%} (target under +10%)",
        f"- outbox and consumer lag back to zero **{drained:.1f} s** after the load stopped"
        + (" (not within the limit)" if drained >= DRAIN_LIMIT_SECONDS else ""),
        "- p99 by action, first tenth → last tenth (ms): "
        + ", ".join(
            f"{name} {percentile(first.get(name, [0.0]), 99) * 1000:.0f} → "
            f"{percentile(final.get(name, [0.0]), 99) * 1000:.0f}"
            for name in sorted(set(first) | set(final))
        ),
        "- refused or failed, by action and status: "
        + (", ".join(f"{key} ×{n}" for key, n in sorted(outcome.refused.items())) or "none"),
        f"- the plot: `{PLOT.relative_to(ROOT) if PLOT.is_relative_to(ROOT) else PLOT}`",
        "",
        f"The mix, by weight: {mix}; "
        f"open loop from one asyncio client ({CONCURRENCY} at a time) on the same machine "
        f"as the stack (SQLite, the embedded broker); sampled every {SAMPLE_SECONDS:g} s.",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
