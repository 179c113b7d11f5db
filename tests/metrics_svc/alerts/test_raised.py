"""A new alert is told once (`alert.raised`) when the figures that show it come in (checked
after the batch, `alerts.raising`); while it lasts, later figures raise it no more."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from event_contracts import AlertRaisedV1, CloudEvent
from metrics_svc.alerts.raising import check, check_due, check_forever
from metrics_svc.models import AlertCheckDue, OutboxMessage
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

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


async def test_a_check_clears_only_the_marks_it_saw_and_each_alert_is_told_once(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: ServiceRuntime
) -> None:
    _, post = await peers_and_subject(client, seed, editor, 3000)
    async with runtime.db.transaction() as session:
        due = list(await session.scalars(select(AlertCheckDue.id)))
        workspace_id = (await session.scalars(select(AlertCheckDue.workspace_id))).first()
    assert due, "a stored batch marks its workspace due"
    assert workspace_id is not None
    # A batch stored while the check runs keeps its mark; two checks at once (two replicas)
    # tell the alert once between them.
    await send(client, editor, [point("likes", 170, NOW - timedelta(minutes=30), post_id=post)])
    first, second = await asyncio.gather(
        check(runtime.db, workspace_id, due), check(runtime.db, workspace_id, due)
    )
    async with runtime.db.transaction() as session:
        left = list(await session.scalars(select(AlertCheckDue.id)))

    assert [a.kind for a in first + second] == ["underperforming"]
    assert len(left) == 1
    assert left[0] not in due
    assert [a.post_id for a in await _raised(runtime)] == [post]


async def test_the_background_check_tells_the_alert_once_a_batch_wakes_it(
    client: httpx.AsyncClient, seed: Seeder, editor: dict[str, str], runtime: ServiceRuntime
) -> None:
    wake = asyncio.Event()
    runtime.db.on_outbox_commit(wake.set)
    checking = asyncio.create_task(
        check_forever(runtime.db, wake, interval_seconds=0, poll_seconds=3600)
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
