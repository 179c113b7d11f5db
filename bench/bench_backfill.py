"""A 90-day WeChat backfill for 10 channels, within the datacube's daily quotas.

10 official accounts on the WeChat fake (over real HTTP), each connected as a channel and
asked for `{"backfill_days": 90}`; channel-svc's figures collector (its worker's rounds,
in-process, on SQLite) then runs each day until every backfill is pulled, the fake's
calendar and quotas moving on a day each time (its midnight). Reported per API: the most
calls one account made in a day against the fake's quota, the quota errors (`45009`) seen,
the days whose figures arrived, and the time the runs took.

Twice: on the fake's quotas (1,000 calls of each API a day, as WeChat's other APIs; the
whole backfill fits in one day's runs), and on a stricter account whose quotas leave the
backfill 30 days a day (`CHANNEL_SYNC_BACKFILL_DAYS_PER_DAY=30`), where it is spread over
three days.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from channel_svc.app import create_runtime
from channel_svc.models import Base, ChannelSync, OutboxMessage
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from channel_svc.sync import service as syncs
from servicekit.settings import SharedSettings
from sqlalchemy import select

from bench.bench_channel import add
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat

CHANNELS = 10
DAYS = 90
APIS = ("getarticletotal", "getusersummary", "getusercumulate")
STRICT_QUOTAS = {"getarticletotal": 40, "getusersummary": 7, "getusercumulate": 7}


@dataclass
class Outcome:
    most_calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APIS, 0))
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APIS, 0))
    quota_errors: int = 0
    days_run: int = 0
    seconds: float = 0.0
    days_filled: list[int] = field(default_factory=list)


def _appid(n: int) -> str:
    return f"wx{n:016x}"


async def _days_filled(runtime: ChannelRuntime, first: date, last: date) -> list[int]:
    """For each channel, the days of [first, last] whose follower total arrived."""
    days: dict[str, set[date]] = {}
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage.value).where(OutboxMessage.topic == "platform.figures.collected")
        )
        for value in rows:
            data = json.loads(value)["data"]
            for figure in data["figures"]:
                if figure["metric"] == "cumulate_user":
                    observed = datetime.fromisoformat(figure["observed_at"]) + timedelta(hours=8)
                    if first <= observed.date() <= last:
                        days.setdefault(data["channel_id"], set()).add(observed.date())
    return sorted(len(found) for found in days.values())


async def measure(fake: WechatFake, wechat_url: str, data_dir: Path, days_per_day: int) -> Outcome:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{data_dir}/channel.db",
        shared=SharedSettings(environment="test", data_dir=data_dir, allow_private_urls=True),
        sync_backfill_days_per_day=days_per_day,
    )
    runtime = create_runtime(settings)
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    workspace = str(uuid.uuid4())
    now = datetime.now(UTC)
    today = fake.today()
    ids = [
        await add(
            runtime,
            workspace,
            {
                "platform": "wechat_oa",
                "name": f"公众号 {n}",
                "config": {"base_url": wechat_url},
                "credentials": {"appid": _appid(n), "secret": "0123456789abcdef" * 2},
            },
        )
        for n in range(CHANNELS)
    ]
    async with runtime.db.transaction() as session:
        for channel_id in ids:
            await syncs.trigger(
                session, workspace_id=workspace, channel_id=channel_id, now=now, backfill_days=DAYS
            )
    outcome = Outcome()
    try:
        for day in range(DAYS):
            fake.reset_quotas()
            fake.today_override = today + timedelta(days=day)
            runtime.syncs.clock = lambda day=day: now + timedelta(days=day)  # type: ignore[misc]
            started = time.perf_counter()
            while await runtime.syncs.run_due():
                pass
            outcome.seconds += time.perf_counter() - started
            outcome.days_run += 1
            for account in fake.accounts.values():
                for api in APIS:
                    calls = account.calls.get(f"datacube/{api}", 0)
                    outcome.calls[api] += calls
                    outcome.most_calls[api] = max(outcome.most_calls[api], calls)
            async with runtime.db.transaction() as session:
                rows = list(await session.scalars(select(ChannelSync)))
            outcome.quota_errors += sum(r.last_error_code == "wechat_45009" for r in rows)
            if all(r.backfill_from is None for r in rows):
                break
        yesterday = today - timedelta(days=1)
        outcome.days_filled = await _days_filled(
            runtime, yesterday - timedelta(days=DAYS - 1), yesterday
        )
    finally:
        await runtime.stop()
    return outcome


def _lines(title: str, outcome: Outcome, quotas: dict[str, int]) -> list[str]:
    per_api = ", ".join(
        f"`{api}` {outcome.most_calls[api]} of {quotas[api]} ({outcome.calls[api]} in all)"
        for api in APIS
    )
    filled = outcome.days_filled
    return [
        f"- {title}: {outcome.days_run} day(s) of runs, {outcome.seconds:.1f} s of runs in all; "
        f"most calls by one account in a day: {per_api}; quota errors (45009): "
        f"{outcome.quota_errors}; days filled per channel: {min(filled, default=0)}–"
        f"{max(filled, default=0)} of {DAYS} ({len(filled)} channels)",
    ]


def _scenario(quotas: dict[str, int] | None, days_per_day: int) -> tuple[Outcome, dict[str, int]]:
    fake = WechatFake()
    for n in range(CHANNELS):
        fake.add_account(_appid(n), "0123456789abcdef" * 2)
    if quotas is not None:
        fake.quotas.update({f"datacube/{api}": limit for api, limit in quotas.items()})
    enforced = {api: fake.quotas[f"datacube/{api}"] for api in APIS}
    running = serve_in_thread(create_wechat(fake))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return asyncio.run(measure(fake, running.url, Path(tmp), days_per_day)), enforced
    finally:
        running.stop()


def run() -> list[str]:
    per_day = Settings.model_fields["sync_backfill_days_per_day"].default
    default, default_quotas = _scenario(None, per_day)
    strict, strict_quotas = _scenario(STRICT_QUOTAS, 30)
    return [
        f"## channel-svc: a {DAYS}-day WeChat backfill for {CHANNELS} channels (the fake's "
        "enforced quotas, SQLite, in-process worker)",
        "",
        *_lines("the fake's quotas, default settings", default, default_quotas),
        *_lines("a stricter account, 30 days a day", strict, strict_quotas),
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
