"""A new alert is told once (`alert.raised`) when the figures that show it come in (checked
after the batch, `alerts.raising`); while it lasts, later figures raise it no more."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from event_contracts import AlertRaisedV1, CloudEvent
from metrics_svc.alerts import raising
from metrics_svc.alerts.raising import check, check_due, check_forever, mark_due
from metrics_svc.alerts.schemas import Alert
from metrics_svc.models import AlertCheckDue, OutboxMessage
from metrics_svc.runtime import MetricsRuntime
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import NOW, peers_and_subject, send


async def _raised(runtime: ServiceRuntime) -> list[AlertRaisedV1]:
    """The alerts told so far, once the workspaces marked due are checked."""
    await check_due(runtime.db)
    return await _told(runtime)


async def _told(runtime: ServiceRuntime) -> list[AlertRaisedV1]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    return [p for p in payloads if isinstance(p, AlertRaisedV1)]


async def test_an_underperforming_post_is_raised_once(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: ServiceRuntime
) -> None:
    channel, post = await peers_and_subject(client, seed, editor, 3000)
    first = await _raised(runtime)
    # More figures while the post still underperforms: nothing new to tell.
    await send(client, editor, [point("likes", 160, NOW - timedelta(hours=1), post_id=post)])

    assert [(a.kind, a.post_id, a.channel_id, a.title) for a in first] == [
        ("underperforming", post, channel, "新品发布会回顾")
    ]
    assert "against a median of 6,000" in first[0].message
    assert await _raised(runtime) == first


async def _marks(runtime: ServiceRuntime) -> list[tuple[int, str]]:
    async with runtime.db.transaction() as session:
        rows = await session.execute(
            select(AlertCheckDue.id, AlertCheckDue.workspace_id).order_by(AlertCheckDue.id)
        )
        return [(row_id, workspace_id) for row_id, workspace_id in rows]


async def test_two_checks_at_once_tell_the_alert_once_and_clear_only_the_marks_they_saw(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: ServiceRuntime
) -> None:
    _, post = await peers_and_subject(client, seed, editor, 3000)
    first_marks = await _marks(runtime)
    await send(client, editor, [point("likes", 170, NOW - timedelta(minutes=30), post_id=post)])
    second_mark = (await _marks(runtime))[-1]
    workspace_id = second_mark[1]
    # A batch stored while the checks run: neither saw its mark.
    await send(client, editor, [point("likes", 180, NOW - timedelta(minutes=20), post_id=post)])
    third_mark = (await _marks(runtime))[-1]
    # Two replicas, each woken by its own batch, check the same workspace at once.
    first, second = await asyncio.gather(
        check(runtime.db, workspace_id, [row_id for row_id, _ in first_marks]),
        check(runtime.db, workspace_id, [second_mark[0]]),
    )

    assert [a.kind for a in first + second] == ["underperforming"]
    assert [a.post_id for a in await _told(runtime)] == [post]
    assert await _marks(runtime) == [third_mark]


async def test_a_stored_batch_wakes_the_services_check_which_tells_the_alert(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: MetricsRuntime
) -> None:
    checking = asyncio.create_task(
        check_forever(runtime.db, runtime.alerts_due, interval_seconds=0, poll_seconds=3600)
    )
    try:
        _, post = await peers_and_subject(client, seed, editor, 3000)
        async with asyncio.timeout(20):
            while not (told := await _told(runtime)):
                await asyncio.sleep(0.05)
    finally:
        checking.cancel()
        await asyncio.gather(checking, return_exceptions=True)

    assert [(a.kind, a.post_id) for a in told] == [("underperforming", post)]


async def test_a_workspace_whose_check_fails_keeps_its_marks_and_the_others_are_checked(
    client: httpx.AsyncClient,
    seed: Seeder,
    editor: dict[str, str],
    runtime: ServiceRuntime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, post = await peers_and_subject(client, seed, editor, 3000)
    ours = (await _marks(runtime))[0][1]
    async with runtime.db.transaction() as session:
        mark_due(session, "a-workspace-whose-check-fails")
    real_alerts = raising.alerts

    async def failing(session: AsyncSession, workspace_id: str) -> list[Alert]:
        if workspace_id != ours:
            raise RuntimeError("this workspace's alerts cannot be computed")
        return await real_alerts(session, workspace_id)

    monkeypatch.setattr(raising, "alerts", failing)

    assert await check_due(runtime.db) is False
    assert [a.post_id for a in await _told(runtime)] == [post]
    assert {workspace_id for _, workspace_id in await _marks(runtime)} == {
        "a-workspace-whose-check-fails"
    }
