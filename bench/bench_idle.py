"""What an idle stack costs: every process's CPU while nothing happens, and what it costs
the events that come after.

The whole `make run` stack (the embedded broker, the gateway and the four services) is
started, left to settle, then measured for `SECONDS` with no request and no event; then, in
the same stack, publish → outcome applied is timed one post after another (the consumers
busy) and after `QUIET_SECONDS` of nothing before each post (the consumers backed off to
their idle fetch wait). Once with the defaults and once with the previous ones (an idle
fetch wait of 200 ms, pollers every second). CPU is read from /proc (Linux).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.bench_pipeline import publish_latency
from bench.common import running_stack, summary_ms, webhook_sink

SETTLE_SECONDS = 8.0  # past the 2 s after which an idle consumer starts backing off
SECONDS = 20.0
BUSY_POSTS = 100
QUIET_POSTS = 8
QUIET_SECONDS = 8.0  # long enough for every consumer and poller to reach its idle pace
TICKS = os.sysconf("SC_CLK_TCK")
PREVIOUS = {
    "MEDIAOPS_CONSUMER_IDLE_FETCH_MAX_WAIT_MS": "200",
    "MEDIAOPS_IDLE_POLL_MAX_SECONDS": "1",
}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 1)[0]


class Figures:
    def __init__(self) -> None:
        self.cost: dict[str, float] = {}
        self.load = ""
        self.busy: list[float] = []
        self.quiet: list[float] = []


def measure(extra_env: dict[str, str], *, latency: bool = True) -> Figures:
    """Each process's share of one core while idle, in percent; then the publish latency."""
    figures = Figures()
    with webhook_sink() as hook_url, running_stack(extra_env) as stack:
        time.sleep(SETTLE_SECONDS)
        pids = stack.pids()
        before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        time.sleep(SECONDS)
        elapsed = time.monotonic() - started
        after = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        figures.load = _load()
        figures.cost = {name: 100 * (after[name] - before[name]) / elapsed for name in pids}
        if latency:
            gateway, mail_dir = stack.url("gateway"), stack.mail_dir
            figures.busy = asyncio.run(
                publish_latency(gateway, hook_url, mail_dir, posts=BUSY_POSTS)
            )
            figures.quiet = asyncio.run(
                publish_latency(
                    gateway, hook_url, mail_dir, posts=QUIET_POSTS, quiet_seconds=QUIET_SECONDS
                )
            )
    return figures


def idle_cost(extra_env: dict[str, str]) -> dict[str, float]:
    return measure(extra_env, latency=False).cost


def _lines(label: str, figures: Figures) -> list[str]:
    cost = figures.cost
    each = ", ".join(f"{name} {share:.1f}%" for name, share in sorted(cost.items()))
    quiet = f"{QUIET_SECONDS:.0f} s of nothing"
    return [
        f"- {label}: idle **{sum(cost.values()):.1f}% of one core** ({each}; load {figures.load})",
        f"  - publish → outcome, one post after another: {summary_ms(figures.busy)}",
        f"  - publish → outcome after {quiet}: {summary_ms(figures.quiet)}",
    ]


def run() -> list[str]:
    now = measure({})
    before = measure(PREVIOUS)
    ratio = sum(now.cost.values()) / max(sum(before.cost.values()), 0.01)
    return [
        "## An idle stack",
        "",
        *_lines("the defaults", now),
        *_lines("the previous defaults (idle fetch wait 200 ms, pollers every second)", before),
        f"- idle cost, defaults / previous: {ratio:.2f} (target: under 5% of one core, "
        "publish → outcome p50 under 50 ms)",
        "",
        f"The whole stack on its embedded defaults (SQLite, the embedded broker), left "
        f"{SETTLE_SECONDS:.0f} s to settle, then each process's CPU over {SECONDS:.0f} s "
        "with no request and no event; then, in the same stack, publish latency to a "
        "webhook channel.",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
