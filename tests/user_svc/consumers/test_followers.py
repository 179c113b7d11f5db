"""Followers' messages and (un)subscriptions from channel-svc's callback become members and
interactions, shown in the inbox; a redelivered event changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from event_contracts import (
    CloudEvent,
    PlatformFollowerChangedV1,
    PlatformMessageReceivedV1,
    get_topic,
)
from servicekit.db import Database
from servicekit.migrations import upgrade
from sqlalchemy import text
from user_svc.__main__ import MIGRATIONS
from user_svc.consumers.handlers import HANDLERS
from user_svc.runtime import UserRuntime

from tests.user_svc.conftest import Workspace

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
CHANNEL = "9a1d2c3b-4e5f-4a6b-8c7d-0e1f2a3b4c5d"


def message(workspace: Workspace, text: str, msg_id: str, msg_type: str = "text") -> CloudEvent:
    payload = PlatformMessageReceivedV1(
        message_id=str(uuid.uuid4()),
        workspace_id=workspace.id,
        channel_id=CHANNEL,
        platform="wechat",
        openid=OPENID,
        msg_type=msg_type,
        text=text,
        external_id=msg_id,
        occurred_at=datetime.now(UTC),
    )
    return CloudEvent.create(
        "platform.message.received", "/channel-svc", payload.message_id, workspace.id, payload
    )


def follow(workspace: Workspace, followed: bool, at: int) -> CloudEvent:
    name = "subscribe" if followed else "unsubscribe"
    payload = PlatformFollowerChangedV1(
        event_id=str(uuid.uuid4()),
        workspace_id=workspace.id,
        channel_id=CHANNEL,
        platform="wechat",
        openid=OPENID,
        followed=followed,
        scene="spring" if followed else None,
        external_id=f"{name}:{OPENID}:{at}",
        occurred_at=datetime.fromtimestamp(at, UTC),
    )
    return CloudEvent.create(
        "platform.follower.changed", "/channel-svc", payload.event_id, workspace.id, payload
    )


async def apply(runtime: UserRuntime, event: CloudEvent) -> bool:
    return await runtime.consumer.apply(event, HANDLERS[event.type])


async def test_a_followers_message_is_a_member_and_a_direct_message_in_the_inbox(
    runtime: UserRuntime,
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
) -> None:
    first = message(workspace, "文案", "6054768590064713728")
    assert await apply(runtime, first) is True
    assert await apply(runtime, first) is False  # redelivered: nothing more
    # The same message again under another event id (a second push) is still one.
    assert await apply(runtime, message(workspace, "文案", "6054768590064713728")) is True
    await apply(runtime, message(workspace, "MENU_PACK", f"click:{OPENID}:1", "click"))
    inbox = (await client.get("/api/v1/inbox", headers=workspace.headers())).json()["items"]
    texts = sorted(item["interaction"]["text"] for item in inbox)
    assert texts == ["文案"]  # the menu click is no message to answer
    clicks = (
        await client.get(
            "/api/v1/interactions", params={"kind": "menu_click"}, headers=workspace.headers()
        )
    ).json()["items"]
    assert [(c["text"], c["channel_id"]) for c in clicks] == [("MENU_PACK", CHANNEL)]
    members = (
        await client.get(
            "/api/v1/members", params={"platform": "wechat"}, headers=workspace.headers()
        )
    ).json()["items"]
    [member] = members
    assert member["identities"][0]["external_id"] == OPENID
    assert member["interaction_count"] == 2
    foreign = await client.get("/api/v1/inbox", headers=other_workspace.headers())
    assert foreign.json()["items"] == []


async def test_subscribing_and_leaving_are_kept_on_the_member(
    runtime: UserRuntime, client: httpx.AsyncClient, workspace: Workspace
) -> None:
    assert await apply(runtime, follow(workspace, True, 1_742_264_068)) is True
    [member] = (await client.get("/api/v1/members", headers=workspace.headers())).json()["items"]
    assert member["attributes"]["wechat_subscribed"] is True
    assert member["attributes"]["wechat_scene"] == "spring"
    await apply(runtime, follow(workspace, False, 1_742_264_999))
    read = await client.get(f"/api/v1/members/{member['id']}", headers=workspace.headers())
    assert read.json()["attributes"]["wechat_subscribed"] is False
    kinds = (
        await client.get(
            "/api/v1/interactions", params={"member_id": member["id"]}, headers=workspace.headers()
        )
    ).json()["items"]
    assert sorted(i["kind"] for i in kinds) == ["follow", "unfollow"]


def test_the_registered_examples_are_what_the_handlers_take() -> None:
    for name in ("platform.message.received", "platform.follower.changed"):
        topic = get_topic(name)
        assert name in HANDLERS
        topic.payload_model.model_validate(topic.example)


async def test_the_migration_makes_clicks_recorded_as_messages_menu_clicks(
    database_url: str,
) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, database_url, "c9a4e2f10b31")
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO members (id, workspace_id, attributes, engagement_raw, "
                    "interaction_count, question_count, created_at, updated_at) "
                    "VALUES ('m', 'w', '{}', 0, 0, 0, :now, :now)"
                ),
                {"now": now},
            )
            for row_id, body in [("a", "[菜单] MENU_PACK"), ("b", "文案"), ("c", "[菜单]")]:
                await connection.execute(
                    text(
                        "INSERT INTO interactions (id, workspace_id, member_id, platform, kind, "
                        "external_id, text, is_question, occurred_at, created_at) VALUES "
                        "(:id, 'w', 'm', 'wechat', 'direct_message', :id, :text, false, :now, :now)"
                    ),
                    {"id": row_id, "text": body, "now": now},
                )
                await connection.execute(
                    text(
                        "INSERT INTO inbox_items (id, workspace_id, interaction_id, member_id, "
                        "reason, status, waiting_since, priority_at, created_at, updated_at) "
                        "VALUES (:id, 'w', :id, 'm', 'direct_message', 'open', :now, :now, "
                        ":now, :now)"
                    ),
                    {"id": row_id, "now": now},
                )
        await asyncio.to_thread(upgrade, MIGRATIONS, database_url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT id, kind, text FROM interactions ORDER BY id")
                )
            ).all()
            open_items = (await connection.execute(text("SELECT id FROM inbox_items"))).all()
    finally:
        await db.dispose()
    assert [tuple(row) for row in rows] == [
        ("a", "menu_click", "MENU_PACK"),
        ("b", "direct_message", "文案"),
        ("c", "menu_click", None),
    ]
    assert [row[0] for row in open_items] == ["b"]  # the clicks left the inbox
