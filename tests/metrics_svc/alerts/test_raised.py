"""A new alert is told once (`alert.raised`) when the figures that show it come in; while it
lasts, later figures raise it no more."""

from __future__ import annotations

from datetime import timedelta

import httpx
from event_contracts import AlertRaisedV1, CloudEvent
from metrics_svc.models import OutboxMessage
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

from tests.metrics_svc.conftest import Seeder, point
from tests.metrics_svc.helpers import NOW, peers_and_subject, send


async def _raised(runtime: ServiceRuntime) -> list[AlertRaisedV1]:
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
