"""A segment synced as a WeChat tag: the openids of its members who acted through that
channel go to channel-svc in `segment.tag.requested` chunks of at most 500."""

from __future__ import annotations

from typing import Any

import httpx
from event_contracts import CloudEvent, SegmentTagRequestedV1
from sqlalchemy import select
from user_svc.models import OutboxMessage
from user_svc.runtime import UserRuntime

from tests.user_svc.conftest import Ingest, Workspace, interaction

CHANNEL = "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
OTHER_CHANNEL = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"


async def _requests(runtime: UserRuntime) -> list[SegmentTagRequestedV1]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    payloads = [CloudEvent.from_bytes(row.value).payload() for row in rows]
    return [p for p in payloads if isinstance(p, SegmentTagRequestedV1)]


def _follow(openid: str, channel_id: str) -> dict[str, Any]:
    return interaction(
        f"follow:{openid}",
        openid,
        platform="wechat",
        kind="follow",
        text=None,
        channel_id=channel_id,
    )


async def _segment(client: httpx.AsyncClient, workspace: Workspace) -> str:
    response = await client.post(
        "/api/v1/segments",
        json={"name": "活跃粉丝", "rules": {"platforms_any": ["wechat"]}},
        headers=workspace.headers("editor"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_the_members_on_the_channel_go_out_in_chunks_of_500(
    client: httpx.AsyncClient, runtime: UserRuntime, workspace: Workspace, ingest: Ingest
) -> None:
    ours = [f"oFollower{n:05d}" for n in range(520)]
    for start in range(0, len(ours), 100):
        await ingest(*(_follow(openid, CHANNEL) for openid in ours[start : start + 100]))
    await ingest(_follow("oElsewhere0001", OTHER_CHANNEL))
    segment_id = await _segment(client, workspace)
    response = await client.post(
        f"/api/v1/segments/{segment_id}/wechat-tags",
        json={"channel_id": CHANNEL},
        headers=workspace.headers("editor"),
    )
    assert response.status_code == 202, response.text
    assert (response.json()["members"], response.json()["chunks"]) == (520, 2)
    first, second = await _requests(runtime)
    assert (len(first.openids), len(second.openids)) == (500, 20)
    assert sorted(first.openids + second.openids) == ours
    assert {first.segment_name, first.channel_id, second.chunk} == {"活跃粉丝", CHANNEL, 2}


async def test_bad_requests_name_the_field_and_segments_stay_in_their_workspace(
    client: httpx.AsyncClient,
    runtime: UserRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    ingest: Ingest,
) -> None:
    await ingest(_follow("oFollower00001", CHANNEL))
    segment_id = await _segment(client, workspace)
    url = f"/api/v1/segments/{segment_id}/wechat-tags"
    nobody = await client.post(
        url, json={"channel_id": OTHER_CHANNEL}, headers=workspace.headers("editor")
    )
    assert nobody.status_code == 422
    assert [e["field"] for e in nobody.json()["errors"]] == ["channel_id"]
    missing = await client.post(url, json={}, headers=workspace.headers("editor"))
    assert missing.status_code == 422
    assert "channel_id" in missing.text
    foreign = await client.post(
        url, json={"channel_id": CHANNEL}, headers=other_workspace.headers("editor")
    )
    assert foreign.status_code == 404
    reader = await client.post(
        url, json={"channel_id": CHANNEL}, headers=workspace.headers("analyst")
    )
    assert reader.status_code == 403
    assert await _requests(runtime) == []
