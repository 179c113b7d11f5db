"""Erasure removes a member's personal data and keeps the counts, reaches user-svc's
outbox and tells the other services (`member.erased`)."""

from __future__ import annotations

import json

import httpx
from event_contracts import CloudEvent, InteractionReceivedV1, MemberErasedV1
from servicekit.db import utcnow
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select, update
from user_svc.models import Member, OutboxMessage

from tests.user_svc.conftest import Ingest, Workspace, interaction

SECRET = "我的手机号是 13800000000，怎么退款？"
ALSO_SECRET = "我住在朝阳区，快递送哪里？"
SOMEONE_ELSE = "请问新品什么时候开售？"


async def outbox(runtime: ServiceRuntime) -> list[tuple[bytes, CloudEvent]]:
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [(row.value, CloudEvent.from_bytes(row.value)) for row in rows]


async def test_erasure_scrubs_the_outbox_and_emits_member_erased(
    client: httpx.AsyncClient, runtime: ServiceRuntime, workspace: Workspace, ingest: Ingest
) -> None:
    # The same person on two platforms, merged; and someone else.
    first = await ingest(interaction("c-1", "u-1", text=SECRET, platform="weibo"))
    second = await ingest(interaction("c-2", "o-1", text=ALSO_SECRET, platform="wechat_oa"))
    other = await ingest(interaction("c-3", "u-9", text=SOMEONE_ELSE))
    person = first["items"][0]["member_id"]
    earlier = second["items"][0]["member_id"]
    merged = await client.post(
        f"/api/v1/members/{person}/merge",
        json={"other_member_id": earlier},
        headers=workspace.headers(),
    )
    assert merged.status_code == 200, merged.text
    # Some rows were delivered already (kept for days), one was not.
    async with runtime.db.transaction() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id <= 2).values(sent_at=utcnow())
        )

    erased = await client.post(
        f"/api/v1/members/{person}/erase", headers=workspace.headers("owner")
    )
    assert erased.status_code == 200, erased.text

    rows = await outbox(runtime)
    for raw, _ in rows:
        text = json.dumps(json.loads(raw), ensure_ascii=False)
        assert SECRET not in text
        assert ALSO_SECRET not in text
    interactions = {
        payload.member_id: payload
        for _, event in rows
        if isinstance(payload := event.payload(), InteractionReceivedV1)
    }
    # Still valid events (an unsent one still goes out), without the text.
    assert interactions[person].text is None
    assert interactions[earlier].text is None
    assert interactions[other["items"][0]["member_id"]].text == SOMEONE_ELSE
    [notice] = [event for _, event in rows if event.type == "member.erased"]
    payload = notice.payload()
    assert isinstance(payload, MemberErasedV1)
    assert (payload.member_id, payload.merged_member_ids) == (person, [earlier])
    assert (notice.subject, notice.workspaceid) == (person, workspace.id)

    # The merged record's name (its handle "@o-1") was the same person's.
    async with runtime.db.transaction() as session:
        record = await session.get(Member, earlier)
    assert record is not None
    assert (record.display_name, record.attributes) == (None, {})
    assert record.erased_at is not None


async def test_erasure_removes_personal_data_and_keeps_counts(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace, ingest: Ingest
) -> None:
    result = await ingest(
        interaction("c-1", "u-1", text="我的手机号是 13800000000，怎么联系客服？"),
        interaction("c-2", "u-1", kind="like", text=None),
    )
    member_id = result["items"][0]["member_id"]
    path = f"/api/v1/members/{member_id}/erase"
    assert (await client.post(path, headers=workspace.headers("editor"))).status_code == 403
    assert (await client.post(path, headers=other_workspace.headers("owner"))).status_code == 404
    erased = await client.post(path, headers=workspace.headers("owner"))
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["erased"] is True
    assert (body["display_name"], body["identities"], body["interests"]) == (None, [], [])
    assert body["interaction_count"] == 2
    assert body["question_count"] == 1

    texts = await client.get(
        "/api/v1/interactions", params={"member_id": member_id}, headers=workspace.headers()
    )
    assert [i["text"] for i in texts.json()["items"]] == [None, None]
    inbox = await client.get("/api/v1/inbox", headers=workspace.headers())
    assert inbox.json()["items"] == []
    assert (await client.post(path, headers=workspace.headers("owner"))).status_code == 409
    listed = await client.get("/api/v1/members", headers=workspace.headers())
    assert listed.json()["items"] == []
    # A replayed comment does not bring the text back; a new one starts a new member.
    replay = await ingest(interaction("c-1", "u-1", text="我的手机号是 13800000000"))
    assert replay["stored"] == 0
    fresh = await ingest(interaction("c-3", "u-1", text="你好"))
    assert fresh["members_created"] == 1
    assert fresh["items"][0]["member_id"] != member_id
