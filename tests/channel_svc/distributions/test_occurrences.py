"""A recurring post's occurrences: each `post.published` with a new `occurrence` is a
distribution set of its own, delivered again; the same occurrence twice is still one."""

from __future__ import annotations

import httpx
from channel_svc.models import Distribution
from channel_svc.runtime import ChannelRuntime
from sqlalchemy import select

from tests.channel_svc.conftest import Receiver, create_channel, published
from tests.channel_svc.helpers import apply, until


async def _distributions(runtime: ChannelRuntime, post_id: str) -> list[Distribution]:
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(Distribution)
            .where(Distribution.post_id == post_id)
            .order_by(Distribution.occurrence)
        )
        return list(rows.all())


async def test_each_occurrence_is_delivered_once_as_its_own_distribution(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
) -> None:
    channel = await create_channel(client, editor, receiver.url)
    first = published(workspace_id, [channel["id"]])
    post_id = first.data["post_id"]
    assert await apply(worker, first)
    [original] = await _distributions(worker, post_id)
    assert (await until(client, editor, original.id))["status"] == "succeeded"

    again = published(workspace_id, [channel["id"]], post_id=post_id, occurrence=1)
    assert await apply(worker, again)
    repeated = published(workspace_id, [channel["id"]], post_id=post_id, occurrence=1)
    assert await apply(worker, repeated)  # a new event for an occurrence already planned

    rows = await _distributions(worker, post_id)
    assert [(row.channel_id, row.occurrence) for row in rows] == [
        (channel["id"], 0),
        (channel["id"], 1),
    ]
    assert (await until(client, editor, rows[1].id))["status"] == "succeeded"
    await receiver.wait_for(2)
    assert [d.headers["x-mediaops-delivery"] for d in receiver.received] == [
        original.id,
        rows[1].id,
    ]
