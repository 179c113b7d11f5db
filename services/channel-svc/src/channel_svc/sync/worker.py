"""The collectors' worker: runs each channel's figures collector when it is due.

One loop per process. Each round takes the due collectors under a lease (so that one
replica runs each, and a killed one's run is taken again once the lease lapses), pulls the
figures with no transaction open, then records the outcome and sends the figures to
metrics-svc (`platform.figures.collected`) in one transaction. It wakes when an operator
triggers a run, and polls otherwise (runs fall due by time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta

import structlog
from servicekit.background import run_rounds
from servicekit.db import Database, utcnow

from channel_svc.adapters.base import Adapter, Outcome, unlock_channel
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.adapters.weibo import WeiboAdapter
from channel_svc.channels import repository as channels
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.models import Channel, ChannelStatus, Distribution
from channel_svc.settings import Settings
from channel_svc.sync import repository, service
from channel_svc.sync.collectors import (
    Collection,
    CommentsCursor,
    Copy,
    Stopped,
    collect_wechat,
    collect_weibo,
    end_of,
)

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 8


def _copies(platform: str, rows: list[Distribution]) -> dict[str, Copy]:
    """Our posts on the channel by the id the platform's figures name them with."""
    found: dict[str, Copy] = {}
    for row in rows:
        if platform == "wechat_oa":
            msg_data_id = (row.progress or {}).get("msg_data_id")
            if msg_data_id and row.external_id:
                found[f"{msg_data_id}_1"] = Copy(row.post_id, row.external_id)
        elif row.external_id:
            found[row.external_id] = Copy(row.post_id, row.external_id)
    return found


class SyncWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        adapters: Mapping[str, Adapter],
        cipher: CredentialCipher,
    ) -> None:
        self.db = db
        self.settings = settings
        self.adapters = adapters
        self.cipher = cipher
        self.clock: Callable[[], datetime] = utcnow
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background job: run due collectors until cancelled."""
        await run_rounds(
            self._round, self._wake, self.settings.sync_poll_seconds, failed="sync_round_failed"
        )

    async def _round(self) -> bool:
        await self.run_due()
        return False  # the next collectors fall due by time, or on an operator's trigger

    async def run_due(self) -> int:
        """Run every collector due now; how many ran."""
        now = self.clock()
        async with self.db.transaction() as session:
            due = await repository.due(session, now, BATCH)
            claimed = [cid for cid in due if await repository.claim(session, cid, now, now + LEASE)]
        await asyncio.gather(*(self.run_one(cid, now) for cid in claimed))
        return len(claimed)

    async def run_one(self, channel_id: str, now: datetime) -> None:
        async with self.db.transaction() as session:
            channel = (await channels.by_id(session, [channel_id])).get(channel_id)
            before = await repository.get(session, channel_id)
            comments = (
                CommentsCursor(
                    since=before.comments_since_id,
                    backlog_max=before.comments_backlog_max_id,
                    backlog_newest=before.comments_backlog_newest_id,
                )
                if before is not None
                else None
            )
            backfill = service.backfill_portion(before, now, self.settings) if before else None
            since = now - timedelta(days=self.settings.sync_follow_days)
            if backfill is not None:  # the posts that went out on the backfill's days too
                since = min(since, end_of(backfill[0] - timedelta(days=1)))
            rows = list(await repository.delivered_copies(session, channel_id, since))
        run = await self._collect(channel, rows, now, comments, backfill)
        async with self.db.transaction() as session:
            sync = await repository.get(session, channel_id)
            if sync is None:
                return
            if channel is None or channel.deleted_at is not None:
                await session.delete(sync)  # the channel is gone, and its collector
                return
            await service.name_posts(session, channel_id, run.collection)
            service.settle(session, sync, run, now, self.settings)
        log.info(
            "figures_collected",
            channel_id=channel_id,
            figures=len(run.collection.figures),
            comments=len(run.collection.comments),
            error=run.code,
        )

    async def _collect(
        self,
        channel: Channel | None,
        rows: list[Distribution],
        now: datetime,
        comments: CommentsCursor | None,
        backfill: tuple[date, date] | None,
    ) -> service.RunOutcome:
        if channel is None or channel.deleted_at is not None:
            return service.RunOutcome(Collection())
        if channel.status != ChannelStatus.ACTIVE:
            return service.RunOutcome(
                Collection(),
                Outcome.REAUTH,
                "channel_inactive",
                f"the channel is {channel.status.replace('_', ' ')}: {channel.status_reason or ''}",
            )
        adapter = self.adapters.get(channel.platform)
        try:
            unlocked = unlock_channel(channel, self.cipher)
        except CredentialsUnreadable as exc:
            return service.RunOutcome(
                Collection(), Outcome.REJECTED, "credentials_unreadable", str(exc)
            )
        copies = _copies(channel.platform, rows)
        try:
            if isinstance(adapter, WechatAdapter):
                return service.RunOutcome(
                    await collect_wechat(adapter, unlocked, copies, now, backfill=backfill)
                )
            if isinstance(adapter, WeiboAdapter):
                return service.RunOutcome(
                    await collect_weibo(adapter, unlocked, copies, now, comments=comments)
                )
        except Stopped as stopped:
            judged = adapter.judge(stopped.error)  # type: ignore[union-attr]
            return service.RunOutcome(
                stopped.collection, judged.outcome, judged.code, judged.message
            )
        return service.RunOutcome(
            Collection(), Outcome.REJECTED, "platform_unsupported", "no figures to pull"
        )
