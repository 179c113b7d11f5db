"""A queued post published at its earliest slot has not gone out on the channels whose slot
is later: what goes out there can still change, through the channel's variant, and the
change reaches channel-svc (`post.channel.revised`); the post's own content is final."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from content_svc.consumers import HANDLERS
from event_contracts import PostChannelRevisedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.consumers.test_content_consumers import succeeded
from tests.content_svc.factories import ChannelFactory, PostFactory, Workspace, outbox_payloads
from tests.content_svc.queue.helpers import POSTS, moment, one_queued, publish_due_at


async def _revisions(runtime: ServiceRuntime) -> list[PostChannelRevisedV1]:
    return await outbox_payloads(runtime, PostChannelRevisedV1)


async def test_a_channel_waiting_for_its_slot_gets_its_variant_as_changed_until_then(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    workspace: Workspace,
    create_post: PostFactory,
    known_channel: ChannelFactory,
) -> None:
    day, wechat, weibo, post = await one_queued(client, workspace, create_post, known_channel)
    assert await publish_due_at(runtime, moment(day, 9)) == 1
    variants = f"{POSTS}/{post['id']}/variants"

    async def write(channel_id: str, role: str, **fields: Any) -> httpx.Response:
        return await client.put(
            f"{variants}/{channel_id}", json=fields, headers=workspace.headers(role)
        )

    # The post's own content went out on WeChat: final. The refusal names Weibo, waiting.
    edit = await client.patch(
        f"{POSTS}/{post['id']}",
        json={"version": post["version"], "title": "改标题"},
        headers=workspace.headers("owner"),
    )
    assert edit.status_code == 409, edit.text
    assert edit.json()["waiting_channel_ids"] == [weibo]
    assert (await write(wechat, "owner", title="微信已发")).status_code == 409
    # Publishing unreviewed content: as for publishing an unreviewed post, owners only
    # (the workspace requires review).
    by_editor = await write(weibo, "editor", title="微博版")
    assert by_editor.status_code == 409, by_editor.text
    assert await _revisions(runtime) == []

    written = await write(weibo, "owner", title="微博版：三大亮点")
    assert written.status_code == 200, written.text
    removed = await client.delete(f"{variants}/{weibo}", headers=workspace.headers("owner"))
    assert removed.status_code == 204, removed.text

    changed, back = await _revisions(runtime)
    assert (changed.channel_id, changed.occurrence) == (weibo, 0)
    assert changed.content.title == "微博版：三大亮点"
    assert changed.content.body_markdown == post["body_markdown"]
    # Without its variant, Weibo gets the post as it is.
    assert back.content.title == post["title"]
    assert back.revised_at > changed.revised_at
    shown = (await client.get(f"{POSTS}/{post['id']}", headers=workspace.headers())).json()
    assert (shown["status"], shown["version"]) == ("published", post["version"])

    # Out on Weibo too: nothing changes there any more.
    sent = succeeded(
        {"id": post["id"], "workspace_id": workspace.id},
        weibo,
        at=moment(day, 18) + timedelta(minutes=1),
    )
    assert await runtime.consumer.apply(sent, HANDLERS[sent.type])
    assert (await write(weibo, "owner", title="太晚了")).status_code == 409
    assert len(await _revisions(runtime)) == 2
