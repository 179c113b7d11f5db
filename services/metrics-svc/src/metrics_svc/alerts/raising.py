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
import weakref
from collections import defaultdict

import structlog
from event_contracts import AlertRaisedV1
from servicekit.background import run_rounds
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
# After a pass that took t, the next waits at least this many times t (at most LONGEST_PAUSE).
SHARE_WAITED = 4
LONGEST_PAUSE = 60.0


def alert_id(alert: Alert) -> str:
    """One alert's identity: its kind and what it is about."""
    about = (alert.channel_id, alert.post_id, alert.campaign_id)
    return ":".join([alert.kind, *(part or "" for part in about)])


def mark_due(session: AsyncSession, workspace_id: str) -> None:
    """The workspace's alerts are checked once this transaction commits."""
    session.add(AlertCheckDue(workspace_id=workspace_id))


async def check_due(db: Database) -> bool:
    """Check every workspace marked due; whether every check went through (a workspace
    whose check failed keeps its marks for the next pass, and the others are checked)."""
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
    went_through = True
    for workspace_id, row_ids in due.items():
        try:
            await check(db, workspace_id, row_ids)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("alert_check_failed", workspace_id=workspace_id)
            went_through = False
    return went_through


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
    # On SQLite, the alerts are computed outside its write lock (which every writer waits
    # for); its one process checks one workspace at a time, so no check writes in between.
    async with _one_at_a_time(db):
        async with db.transaction(read_only=True) as session:
            now = await _current(session, workspace_id)
        async with db.transaction() as session:
            return await _record(session, workspace_id, due, now)


_CHECKING: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


def _one_at_a_time(db: Database) -> asyncio.Lock:
    return _CHECKING.setdefault(db, asyncio.Lock())


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
    for the marks a failed check or a restart left), with at least `interval_seconds`
    between passes (or four times the last pass's time, when longer, up to a minute): the
    batches stored meanwhile are checked together."""
    loop = asyncio.get_running_loop()

    async def one_pass() -> bool:
        started = loop.time()
        pause = interval_seconds
        if await check_due(db):
            # Large workspaces' checks take long: the next pass then waits longer, so that
            # checking takes at most a fifth of the process.
            pause = min(max(pause, (loop.time() - started) * SHARE_WAITED), LONGEST_PAUSE)
        await asyncio.sleep(pause)
        return False  # the next pass when a commit wakes it or the poll comes round

    await run_rounds(one_pass, wake, poll_seconds, failed="alert_checks_failed")
