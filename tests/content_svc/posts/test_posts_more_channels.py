"""A published post sent to more channels later: its own `post.published` naming only
them, never twice to one channel."""

from __future__ import annotations

import asyncio

import httpx
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace
from tests.content_svc.posts.outbox import published_events

POSTS = "/api/v1/posts"


async def _published_to(
    client: httpx.AsyncClient, ws: Workspace, create_post: PostFactory, channel_id: str
) -> str:
    post = await create_post()
    response = await client.post(
        f"{POSTS}/{post['id']}/publish",
        json={"channel_ids": [channel_id]},
        headers=ws.headers("owner"),
    )
    assert response.status_code == 200, response.text
    return str(post["id"])


async def _add(
    client: httpx.AsyncClient,
    ws: Workspace,
    post_id: str,
    channel_ids: list[str],
    role: str = "editor",
) -> httpx.Response:
    return await client.post(
        f"{POSTS}/{post_id}/channels", json={"channel_ids": channel_ids}, headers=ws.headers(role)
    )


async def test_a_published_post_goes_to_a_new_channel_with_its_variant(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(platform="wechat_oa")
    xiaohongshu = await known_channel(platform="xiaohongshu")
    post_id = await _published_to(client, workspace, create_post, wechat)
    written = await client.put(
        f"{POSTS}/{post_id}/variants/{xiaohongshu}",
        json={"title": "发布会三大亮点"},
        headers=workspace.headers("editor"),
    )
    assert written.status_code == 200, written.text

    added = await _add(client, workspace, post_id, [xiaohongshu], role="owner")

    assert added.status_code == 200, added.text
    assert added.json()["status"] == "published"
    assert {(c["channel_id"], c["platform"], c["status"]) for c in added.json()["channels"]} == {
        (wechat, "wechat_oa", "pending"),
        (xiaohongshu, "xiaohongshu", "pending"),
    }
    fetched = await client.get(f"{POSTS}/{post_id}", headers=workspace.headers("analyst"))
    assert fetched.json() == added.json()
    first, second = await published_events(runtime)
    assert first.channel_ids == [wechat]
    assert second.channel_ids == [xiaohongshu]
    assert second.version == first.version
    assert second.published_at >= first.published_at
    assert second.for_channel(xiaohongshu).title == "发布会三大亮点"
    history = await client.get(f"{POSTS}/{post_id}/history", headers=workspace.headers())
    assert history.json()["items"][-1]["action"] == "add-channels"
    # What was sent to a channel stays as it was sent.
    frozen = await client.put(
        f"{POSTS}/{post_id}/variants/{xiaohongshu}",
        json={"version": 1, "title": "改一下"},
        headers=workspace.headers("editor"),
    )
    assert frozen.status_code == 409


async def test_a_channel_the_post_was_sent_to_is_refused_by_name(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    post_id = await _published_to(client, workspace, create_post, wechat)

    again = await _add(client, workspace, post_id, [weibo, wechat])

    assert again.status_code == 409
    assert again.json()["channel_ids"] == [wechat]
    assert wechat in again.json()["detail"]
    assert len(await published_events(runtime)) == 1
    fetched = await client.get(f"{POSTS}/{post_id}", headers=workspace.headers())
    assert [c["channel_id"] for c in fetched.json()["channels"]] == [wechat]


async def test_concurrent_requests_send_a_post_to_a_channel_once(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    post_id = await _published_to(client, workspace, create_post, wechat)

    answers = await asyncio.gather(*(_add(client, workspace, post_id, [weibo]) for _ in range(3)))

    assert sorted(answer.status_code for answer in answers) == [200, 409, 409]
    events = await published_events(runtime)
    assert [event.channel_ids for event in events] == [[wechat], [weibo]]


async def test_only_a_published_post_goes_to_more_channels(
    client: httpx.AsyncClient,
    workspace: Workspace,
    other_workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    wechat = await known_channel(platform="wechat_oa")
    draft = await create_post()

    refused = await _add(client, workspace, draft["id"], [wechat])
    elsewhere = await _add(client, other_workspace, draft["id"], [wechat])
    malformed = await _add(client, workspace, draft["id"], ["not-a-channel"])

    assert refused.status_code == 409
    assert refused.json()["post_status"] == "draft"
    assert elsewhere.status_code == 404
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["channel_ids.0"]


async def test_a_version_written_after_publishing_goes_out_only_as_unreviewed_content_may(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    """Before the post went out, changing a variant sent it back to review; after, nothing
    did. So in a workspace that requires review, a writer cannot send a version nobody
    reviewed to a new channel; an owner (who may skip review) can, and so can anyone once
    the workspace stops requiring review."""
    wechat = await known_channel(platform="wechat_oa")
    weibo = await known_channel(platform="weibo")
    xiaohongshu = await known_channel(platform="xiaohongshu")
    post_id = await _published_to(client, workspace, create_post, wechat)
    for channel in (weibo, xiaohongshu):
        written = await client.put(
            f"{POSTS}/{post_id}/variants/{channel}",
            json={"title": "没人审过的标题"},
            headers=workspace.headers("editor"),
        )
        assert written.status_code == 200, written.text

    refused = await _add(client, workspace, post_id, [weibo])

    assert refused.status_code == 409, refused.text
    assert refused.json()["channel_ids"] == [weibo]
    assert "nobody reviewed" in refused.json()["detail"]
    assert len(await published_events(runtime)) == 1
    assert (await _add(client, workspace, post_id, [weibo], role="owner")).status_code == 200
    relaxed = await client.patch(
        f"{POSTS}/settings", json={"require_review": False}, headers=workspace.headers("owner")
    )
    assert relaxed.status_code == 200, relaxed.text
    assert (await _add(client, workspace, post_id, [xiaohongshu])).status_code == 200
    assert len(await published_events(runtime)) == 3
