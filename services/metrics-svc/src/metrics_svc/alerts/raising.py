"""Raising alerts: the alerts are computed whole when asked for (`service.alerts`); when
figures come in, the ones not seen before are told (`alert.raised`) once. An alert
remembered here that no longer shows has cleared, and is forgotten, so that it is raised
again if it comes back.

A stored batch only marks its workspace due (`mark_due`, in the batch's transaction); the
check runs after, in the background (`check_forever`), at most once per workspace every
`alert_check_interval_seconds` however many batches came in. Computing a workspace's
alerts reads all its recent posts, so inside every batch's transaction it grew with the
workspace and held SQLite's write lock for seconds under a steady inflow of figures. Here
the alerts are computed in a read-only transaction (no lock) and only what changed is
written, in a short one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import structlog
from event_contracts import AlertRaisedV1
from servicekit.db import Database, lock_workspace, utcnow
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts.schemas import Alert
from metrics_svc.alerts.service import alerts
from metrics_svc.events import emit
from metrics_svc.models import AlertCheckDue, RaisedAlert

log = structlog.get_logger(__name__)

# The advisory locks' class (their first key) of the alert checks, per workspace.
ALERT_CHECK_LOCK_CLASS = 0xA1E7

# Due rows read by one pass; the rest wait for the next.
DUE_PER_PASS = 10_000
# After a check that took t, the next waits at least this many times t.
SHARE_WAITED = 4


def alert_id(alert: Alert) -> str:
    """One alert's identity: its kind and what it is about."""
    about = (alert.channel_id, alert.post_id, alert.campaign_id)
    return ":".join([alert.kind, *(part or "" for part in about)])


def mark_due(session: AsyncSession, workspace_id: str) -> None:
    """The workspace's alerts are checked once this transaction commits."""
    session.add(AlertCheckDue(workspace_id=workspace_id))


async def check_due(db: Database) -> int:
    """Check every workspace marked due; how many were checked."""
    async with db.transaction(read_only=True) as session:
        rows = (
            await session.execute(
                select(AlertCheckDue.id, AlertCheckDue.workspace_id)
                .order_by(AlertCheckDue.id)
                .limit(DUE_PER_PASS)
            )
        ).all()
    due: dict[str, list[int]] = defaultdict(list)
    for row_id, workspace_id in rows:
        due[workspace_id].append(row_id)
    for workspace_id, row_ids in due.items():
        await check(db, workspace_id, row_ids)
    return len(due)


async def check(db: Database, workspace_id: str, due: list[int]) -> list[Alert]:
    """Tell the workspace's new alerts, forget the cleared ones, and clear the `due` marks
    (only those: a batch stored meanwhile keeps its own for the next check); the alerts
    raised."""
    if db.is_postgres:
        # Replicas check the same workspace one at a time, each from what the last wrote: one
        # that computed earlier but wrote later could forget an alert just raised (and raise
        # it twice) or raise one just cleared. Writers do not block each other here.
        async with db.transaction() as session:
            await lock_workspace(session, ALERT_CHECK_LOCK_CLASS, workspace_id)
            return await _record(session, workspace_id, due, await _current(session, workspace_id))
    # SQLite has one writer at a time: the alerts are computed outside its write lock (by this
    # process's only checker, so no other check writes in between).
    async with db.transaction(read_only=True) as session:
        now = await _current(session, workspace_id)
    async with db.transaction() as session:
        return await _record(session, workspace_id, due, now)


async def _current(session: AsyncSession, workspace_id: str) -> dict[str, Alert]:
    return {alert_id(alert): alert for alert in await alerts(session, workspace_id)}


async def _record(
    session: AsyncSession, workspace_id: str, due: list[int], now: dict[str, Alert]
) -> list[Alert]:
    """Write what the check found: the new alerts raised, the cleared ones forgotten."""
    await session.execute(delete(AlertCheckDue).where(AlertCheckDue.id.in_(due)))
    known = set(
        await session.scalars(
            select(RaisedAlert.alert_id).where(RaisedAlert.workspace_id == workspace_id)
        )
    )
    cleared = known - set(now)
    if cleared:
        await session.execute(
            delete(RaisedAlert).where(
                RaisedAlert.workspace_id == workspace_id, RaisedAlert.alert_id.in_(cleared)
            )
        )
    raised = [alert for key, alert in now.items() if key not in known]
    for alert in raised:
        key = alert_id(alert)
        session.add(RaisedAlert(workspace_id=workspace_id, alert_id=key, raised_at=utcnow()))
        emit(
            session,
            AlertRaisedV1(
                alert_id=key,
                workspace_id=workspace_id,
                kind=alert.kind,
                channel_id=alert.channel_id,
                channel_name=alert.channel_name,
                post_id=alert.post_id,
                title=alert.title,
                campaign_id=alert.campaign_id,
                message=alert.message,
                detected_at=alert.detected_at,
            ),
        )
    return raised


async def check_forever(
    db: Database, wake: asyncio.Event, *, interval_seconds: float, poll_seconds: float
) -> None:
    """Check the workspaces marked due whenever a commit wakes it (or every `poll_seconds`,
    for the marks of other replicas and of a restart), at most once every
    `interval_seconds` (or four times the last check's time, when longer): the batches
    stored meanwhile are checked together."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        try:
            await check_due(db)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be down: the marks wait in it
            log.warning("alert_check_failed", error=repr(exc))
        # A large workspace's check takes long: it then waits longer, so that checking
        # never takes more than a fifth of the process.
        await asyncio.sleep(max(interval_seconds, (loop.time() - started) * SHARE_WAITED))
        try:
            await asyncio.wait_for(wake.wait(), poll_seconds)
        except TimeoutError:
            pass
        wake.clear()
