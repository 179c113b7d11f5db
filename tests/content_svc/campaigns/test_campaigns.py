"""Campaigns: CRUD with goals, dates and channels; `campaign.changed` in the outbox with the
whole campaign; posts and ideas belonging to a campaign; the campaign's page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from content_svc.models import OutboxMessage
from event_contracts import (
    CampaignChangedV1,
    CloudEvent,
    DistributionFailedV1,
    DistributionSucceededV1,
    FailureReason,
    PostPublishedV1,
)
from servicekit.runtime import ServiceRuntime
from sqlalchemy import select

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace

CAMPAIGNS = "/api/v1/campaigns"
POSTS = "/api/v1/posts"
IDEAS = "/api/v1/ideas"
NOW = datetime.now(UTC)


def _body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "双十一新品发布",
        "objective": "conversions",
        "goals": {"reads": 50000, "follows_gained": 2000, "conversions": 300},
        "starts_at": (NOW - timedelta(days=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=10)).isoformat(),
    }
    body.update(fields)
    return body


async def _create(client: httpx.AsyncClient, ws: Workspace, **fields: Any) -> dict[str, Any]:
    response = await client.post(CAMPAIGNS, json=_body(**fields), headers=ws.headers("editor"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _events(runtime: ServiceRuntime, topic: str) -> list[CloudEvent]:
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id)
        )
        return [CloudEvent.from_bytes(row.value) for row in rows]


def _campaign_of(event: CloudEvent) -> CampaignChangedV1:
    payload = event.payload()
    assert isinstance(payload, CampaignChangedV1)
    return payload


def _fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


async def test_a_campaign_is_created_read_changed_and_deleted_with_an_event_each(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    signer: Any,
    known_channel: ChannelFactory,
) -> None:
    channel = await known_channel(platform="wechat")
    created = await _create(
        client,
        workspace,
        channel_ids=[channel.upper()],
        budget=20000,
        tags=["双十一", "新品", "新品"],
    )
    assert created["status"] == "running"  # between its dates
    assert created["status_override"] is None
    assert created["owner_id"] == workspace.user_id  # the creator by default
    assert created["currency"] == "CNY"
    assert created["channel_ids"] == [channel]
    assert created["tags"] == ["双十一", "新品"]
    assert created["goals"] == {"reads": 50000, "follows_gained": 2000, "conversions": 300}
    assert created["version"] == 1
    assert created["post_count"] == 0

    # Analysts, reviewers and API keys with content:read read it.
    key = signer.headers(workspace_id=workspace.id, roles=(), scopes=["content:read"])
    for headers in (workspace.headers("analyst"), workspace.headers("reviewer"), key):
        page = await client.get(f"{CAMPAIGNS}/{created['id']}", headers=headers)
        assert page.status_code == 200, page.text
        assert {name: page.json()[name] for name in created} == created
        assert page.json()["posts"] == []
    for headers in (workspace.headers("analyst"), workspace.headers("reviewer"), key):
        refused = await client.post(CAMPAIGNS, json=_body(), headers=headers)
        assert refused.status_code == 403
    other_key = signer.headers(workspace_id=workspace.id, roles=(), scopes=["stats:read"])
    assert (await client.get(CAMPAIGNS, headers=other_key)).status_code == 403

    changed = await client.patch(
        f"{CAMPAIGNS}/{created['id']}",
        json={"version": 1, "status": "finished", "goals": {"clicks": 1000.5}, "budget": None},
        headers=workspace.headers("owner"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "finished"
    assert changed.json()["status_override"] == "finished"
    assert changed.json()["goals"] == {"clicks": 1000.5}
    assert changed.json()["budget"] is None
    assert changed.json()["version"] == 2

    stale = await client.patch(
        f"{CAMPAIGNS}/{created['id']}",
        json={"version": 1, "name": "旧版本的修改"},
        headers=workspace.headers("editor"),
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2

    back = await client.patch(
        f"{CAMPAIGNS}/{created['id']}",
        json={"version": 2, "status": None},
        headers=workspace.headers("editor"),
    )
    assert back.json()["status"] == "running"  # the dates decide again

    deleted = await client.delete(f"{CAMPAIGNS}/{created['id']}", headers=workspace.headers())
    assert deleted.status_code == 204
    gone = await client.get(f"{CAMPAIGNS}/{created['id']}", headers=workspace.headers())
    assert gone.status_code == 404
    listed = await client.get(CAMPAIGNS, headers=workspace.headers())
    assert listed.json()["items"] == []

    events = await _events(runtime, "campaign.changed")
    assert len(events) == 4  # created, changed, status back to the dates, deleted
    first = events[0]
    assert (first.type, first.source, first.subject, first.workspaceid) == (
        "campaign.changed",
        "/content-svc",
        created["id"],
        workspace.id,
    )
    assert _campaign_of(first).model_dump(mode="json") == {
        "campaign_id": created["id"],
        "workspace_id": workspace.id,
        "name": "双十一新品发布",
        "objective": "conversions",
        "goals": {"reads": 50000.0, "follows_gained": 2000.0, "conversions": 300.0},
        "starts_at": created["starts_at"].replace("+00:00", "Z"),
        "ends_at": created["ends_at"].replace("+00:00", "Z"),
        "channel_ids": [channel],
        "post_ids": [],
        "budget": 20000.0,
        "currency": "CNY",
        "tags": ["双十一", "新品"],
        "owner_id": workspace.user_id,
        "status": "running",
        "deleted": False,
        "changed_at": created["updated_at"].replace("+00:00", "Z"),
    }
    assert _campaign_of(events[1]).status == "finished"
    assert _campaign_of(events[1]).budget is None
    last = _campaign_of(events[3])
    assert last.deleted is True
    assert last.name == "双十一新品发布"
    async with runtime.db.transaction() as session:
        keys = {row.key for row in await session.scalars(select(OutboxMessage))}
    assert keys == {created["id"].encode()}


async def test_bad_campaigns_are_422_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    known_channel: ChannelFactory,
) -> None:
    deleted_channel = await known_channel(deleted=True)
    foreign_channel = await known_channel(other_workspace)
    start = NOW + timedelta(days=3)
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"goals": {"reads": -1}}, {"goals.reads"}),
        ({"goals": {"likes": "许多"}}, {"goals.likes"}),
        ({"goals": {"reads": "5000"}}, {"goals.reads"}),
        ({"goals": {"reads": True}}, {"goals.reads"}),
        (
            {"goals": {"reads": 10, "impressions": 5, "vibes": 1}},
            {"goals.impressions", "goals.vibes"},
        ),
        (
            {"starts_at": start.isoformat(), "ends_at": (start - timedelta(hours=1)).isoformat()},
            {"ends_at"},
        ),
        ({"starts_at": start.isoformat(), "ends_at": start.isoformat()}, {"ends_at"}),
        ({"ends_at": "2025-11-12T00:00:00"}, {"ends_at"}),  # no UTC offset
        ({"objective": "fame"}, {"objective"}),
        ({"budget": -5}, {"budget"}),
        ({"currency": "RMB¥"}, {"currency"}),
        ({"owner_id": "someone"}, {"owner_id"}),
        ({"status": "paused"}, {"status"}),
        ({"name": "  "}, {"name"}),
        ({"channel_ids": ["not-a-channel"]}, {"channel_ids.0"}),
        ({"channel_ids": [deleted_channel, foreign_channel]}, {"channel_ids.0", "channel_ids.1"}),
        ({"unknown": 1}, {"unknown"}),
    ]
    for fields, expected in cases:
        response = await client.post(CAMPAIGNS, json=_body(**fields), headers=workspace.headers())
        assert _fields(response) == expected, fields

    campaign = await _create(client, workspace)
    updates: list[tuple[dict[str, Any], set[str]]] = [
        ({"ends_at": (NOW - timedelta(days=2)).isoformat()}, {"ends_at"}),
        ({"goals": {"reach": 5}}, {"goals.reach"}),
        ({"goals": {"reads": -5}}, {"goals.reads"}),
        ({"name": None}, {"name"}),
        ({"channel_ids": [deleted_channel]}, {"channel_ids.0"}),
    ]
    for fields, expected in updates:
        response = await client.patch(
            f"{CAMPAIGNS}/{campaign['id']}",
            json={"version": 1, **fields},
            headers=workspace.headers(),
        )
        assert _fields(response) == expected, fields
    # Only the one good campaign was announced, and it did not change.
    assert len(await _events(runtime, "campaign.changed")) == 1
    page = await client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=workspace.headers())
    assert page.json()["version"] == 1


async def test_the_list_filters_by_status_objective_tag_and_text_page_by_page(
    client: httpx.AsyncClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    day = timedelta(days=1)
    planned = await _create(
        client,
        workspace,
        name="春节预热",
        objective="awareness",
        starts_at=(NOW + day).isoformat(),
        ends_at=(NOW + 9 * day).isoformat(),
        tags=["春节"],
    )
    running = await _create(client, workspace, name="粉丝增长挑战", objective="followers")
    finished = await _create(
        client,
        workspace,
        name="夏季促销",
        starts_at=(NOW - 30 * day).isoformat(),
        ends_at=(NOW - day).isoformat(),
        tags=["促销"],
    )
    stopped = await _create(client, workspace, name="提前结束的抽奖", status="finished")
    await _create(client, other_workspace, name="别的工作区")

    async def ids(**params: Any) -> list[str]:
        response = await client.get(CAMPAIGNS, params=params, headers=workspace.headers("analyst"))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [stopped["id"], finished["id"], running["id"], planned["id"]]
    assert await ids(status="planned") == [planned["id"]]
    assert await ids(status="running") == [running["id"]]
    assert await ids(status="finished") == [stopped["id"], finished["id"]]
    assert await ids(objective="followers") == [running["id"]]
    assert await ids(tag="促销") == [finished["id"]]
    assert await ids(q="抽奖") == [stopped["id"]]

    first = await client.get(CAMPAIGNS, params={"limit": 3}, headers=workspace.headers())
    assert [item["id"] for item in first.json()["items"]] == [
        stopped["id"],
        finished["id"],
        running["id"],
    ]
    rest = await client.get(
        CAMPAIGNS,
        params={"limit": 3, "cursor": first.json()["next_cursor"]},
        headers=workspace.headers(),
    )
    assert [item["id"] for item in rest.json()["items"]] == [planned["id"]]
    assert rest.json()["next_cursor"] is None

    bad = await client.get(
        CAMPAIGNS, params={"status": "paused", "cursor": "nope"}, headers=workspace.headers()
    )
    assert _fields(bad) == {"query.status"}
    assert _fields(
        await client.get(CAMPAIGNS, params={"cursor": "nope"}, headers=workspace.headers())
    ) == {"cursor"}


def _succeeded(ws: Workspace, post_id: str, channel_id: str) -> CloudEvent:
    payload = DistributionSucceededV1(
        distribution_id=str(uuid.uuid4()),
        post_id=post_id,
        channel_id=channel_id,
        workspace_id=ws.id,
        platform="wechat",
        external_id="2247483921_1",
        url="https://mp.weixin.qq.com/s/AbCd",
        attempts=1,
        succeeded_at=datetime.now(UTC),
    )
    return CloudEvent.create("distribution.succeeded", "/channel-svc", post_id, ws.id, payload)


def _failed(ws: Workspace, post_id: str, channel_id: str) -> CloudEvent:
    payload = DistributionFailedV1(
        distribution_id=str(uuid.uuid4()),
        post_id=post_id,
        channel_id=channel_id,
        workspace_id=ws.id,
        platform="weibo",
        reasons=[FailureReason(code="sensitive_word", message="正文包含敏感词", position=3)],
        attempts=1,
        failed_at=datetime.now(UTC),
        retryable=False,
    )
    return CloudEvent.create("distribution.failed", "/channel-svc", post_id, ws.id, payload)


async def test_the_campaign_page_shows_its_posts_states_and_ideas(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    campaign = await _create(client, workspace)
    wechat = await known_channel(platform="wechat")
    weibo = await known_channel(platform="weibo")
    published = await create_post(title="新品首发", campaign_id=campaign["id"])
    assert published["campaign_id"] == campaign["id"]
    draft = await create_post(title="预告", campaign_id=campaign["id"].upper())
    outside = await create_post(title="不属于活动")

    idea = await client.post(
        IDEAS,
        json={"title": "用户开箱视频", "campaign_id": campaign["id"]},
        headers=workspace.headers(),
    )
    assert idea.status_code == 201, idea.text
    assert idea.json()["campaign_id"] == campaign["id"]
    started = await client.post(f"{IDEAS}/{idea.json()['id']}/post", headers=workspace.headers())
    assert started.status_code == 201, started.text
    assert started.json()["campaign_id"] == campaign["id"]  # the idea's campaign

    done = await client.post(
        f"{POSTS}/{published['id']}/publish",
        json={"channel_ids": [wechat, weibo]},
        headers=workspace.headers("owner"),
    )
    assert done.status_code == 200, done.text
    assert await runtime.consumer.apply(
        _succeeded(workspace, published["id"], wechat), HANDLERS["distribution.succeeded"]
    )
    assert await runtime.consumer.apply(
        _failed(workspace, published["id"], weibo), HANDLERS["distribution.failed"]
    )

    [release] = await _events(runtime, "post.published")
    snapshot = release.payload()
    assert isinstance(snapshot, PostPublishedV1)
    assert snapshot.campaign_id == campaign["id"]

    page = await client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=workspace.headers("analyst"))
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["post_count"] == 3
    posts = {post["id"]: post for post in body["posts"]}
    assert set(posts) == {published["id"], draft["id"], started.json()["id"]}
    assert outside["id"] not in posts
    assert posts[draft["id"]]["status"] == "draft"
    assert posts[draft["id"]]["channels"] == []
    shown = posts[published["id"]]
    assert shown["status"] == "published"
    assert {(c["channel_id"], c["status"]) for c in shown["channels"]} == {
        (wechat, "succeeded"),
        (weibo, "failed"),
    }
    by_channel = {c["channel_id"]: c for c in shown["channels"]}
    assert by_channel[wechat]["url"] == "https://mp.weixin.qq.com/s/AbCd"
    assert by_channel[weibo]["reasons"][0]["code"] == "sensitive_word"
    assert body["progress"] == {
        "posts_by_status": {"published": 1, "draft": 2},
        "deliveries_by_status": {"succeeded": 1, "failed": 1},
    }
    assert [(i["id"], i["status"], i["post_id"]) for i in body["ideas"]] == [
        (idea.json()["id"], "used", started.json()["id"])
    ]

    # Every post joining announced the campaign with its posts so far.
    changes = [_campaign_of(event) for event in await _events(runtime, "campaign.changed")]
    assert [change.post_ids for change in changes] == [
        [],
        [published["id"]],
        [published["id"], draft["id"]],
        [published["id"], draft["id"], started.json()["id"]],
    ]

    # A published post may leave the campaign (its content stays as it was).
    left = await client.patch(
        f"{POSTS}/{published['id']}",
        json={"version": published["version"], "campaign_id": None},
        headers=workspace.headers(),
    )
    assert left.status_code == 200, left.text
    assert (left.json()["campaign_id"], left.json()["version"]) == (None, published["version"])
    last = _campaign_of((await _events(runtime, "campaign.changed"))[-1])
    assert last.post_ids == [draft["id"], started.json()["id"]]
    # ...but its content stays published.
    edit = await client.patch(
        f"{POSTS}/{published['id']}",
        json={"version": published["version"], "title": "改标题"},
        headers=workspace.headers(),
    )
    assert edit.status_code == 409

    # Deleting the campaign takes its posts and ideas out of it.
    await client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=workspace.headers())
    fetched = await client.get(f"{POSTS}/{draft['id']}", headers=workspace.headers())
    assert fetched.json()["campaign_id"] is None
    gone = _campaign_of((await _events(runtime, "campaign.changed"))[-1])
    assert gone.deleted
    assert gone.post_ids == [draft["id"], started.json()["id"]]


async def test_other_workspaces_campaigns_are_404_and_cannot_be_joined(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
) -> None:
    foreign = await _create(client, other_workspace)
    deleted = await _create(client, workspace, name="已删除")
    await client.delete(f"{CAMPAIGNS}/{deleted['id']}", headers=workspace.headers())
    mine = await _create(client, workspace, name="我的活动")

    url = f"{CAMPAIGNS}/{foreign['id']}"
    assert (await client.get(url, headers=workspace.headers())).status_code == 404
    patch = await client.patch(url, json={"version": 1, "name": "x"}, headers=workspace.headers())
    assert patch.status_code == 404
    assert (await client.delete(url, headers=workspace.headers())).status_code == 404
    assert (await client.get(f"{CAMPAIGNS}/nope", headers=workspace.headers())).status_code == 404

    post = await create_post()
    idea = await client.post(IDEAS, json={"title": "想法"}, headers=workspace.headers())
    for campaign_id in (foreign["id"], deleted["id"], "nope"):
        refused = [
            await client.post(
                POSTS,
                json={"title": "t", "body_markdown": "b", "campaign_id": campaign_id},
                headers=workspace.headers(),
            ),
            await client.patch(
                f"{POSTS}/{post['id']}",
                json={"version": 1, "campaign_id": campaign_id},
                headers=workspace.headers(),
            ),
            await client.post(
                IDEAS, json={"title": "t", "campaign_id": campaign_id}, headers=workspace.headers()
            ),
            await client.patch(
                f"{IDEAS}/{idea.json()['id']}",
                json={"campaign_id": campaign_id},
                headers=workspace.headers(),
            ),
        ]
        for response in refused:
            assert _fields(response) == {"campaign_id"}, campaign_id

    # The foreign campaign never heard of this workspace's posts.
    foreign_changes = [
        _campaign_of(event)
        for event in await _events(runtime, "campaign.changed")
        if event.subject == foreign["id"]
    ]
    assert [change.post_ids for change in foreign_changes] == [[]]
    # An idea moves between campaigns of its own workspace.
    moved = await client.patch(
        f"{IDEAS}/{idea.json()['id']}",
        json={"campaign_id": mine["id"]},
        headers=workspace.headers(),
    )
    assert moved.json()["campaign_id"] == mine["id"]
