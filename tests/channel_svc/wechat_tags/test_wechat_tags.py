"""A segment made a tag of a WeChat account (from user-svc's `segment.tag.requested`):
created once, members tagged 50 per call, a resync tags only the new ones; a mass send to
the segment goes to that tag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, SegmentTagRequestedV1

from tests.channel_svc.conftest import WECHAT_APPID
from tests.channel_svc.helpers import (
    apply,
    article,
    distribution_of,
    settled,
    wechat_channel,
)
from tests.conftest import Signer
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]
TAGGING = "/cgi-bin/tags/members/batchtagging"
SEGMENT = "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e"


def followers(fake: WechatFake, count: int, *, start: int = 0) -> list[str]:
    openids = [f"oFollower{n:05d}" for n in range(start, start + count)]
    for openid in openids:
        fake.subscribe(WECHAT_APPID, openid)
    return openids


def requested(workspace_id: str, channel_id: str, openids: list[str], **fields: Any) -> CloudEvent:
    payload = SegmentTagRequestedV1(
        **{
            "request_id": str(uuid.uuid4()),
            "workspace_id": workspace_id,
            "segment_id": SEGMENT,
            "segment_name": "活跃粉丝",
            "channel_id": channel_id,
            "openids": openids,
            "chunk": 1,
            "chunks": 1,
            "requested_at": datetime.now(UTC),
            **fields,
        }
    )
    return CloudEvent.create("segment.tag.requested", "/user-svc", SEGMENT, workspace_id, payload)


@pytest.fixture
async def channel_id(client: httpx.AsyncClient, editor: dict[str, str], wechat: Fake) -> str:
    _, base = wechat
    return await wechat_channel(client, editor, base)


async def tags(
    client: httpx.AsyncClient, headers: dict[str, str], channel_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/channels/{channel_id}/wechat-tags", headers=headers)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["items"]
    return result


async def test_a_segment_is_tagged_50_at_a_time_and_a_resync_adds_only_the_new_members(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    channel_id: str,
) -> None:
    fake, _ = wechat
    first = followers(fake, 120)
    assert await apply(runtime, requested(workspace_id, channel_id, first))
    assert fake.requests.count(TAGGING) == 3
    [tag] = await tags(client, editor, channel_id)
    assert (tag["segment_id"], tag["tag_name"], tag["members_tagged"]) == (
        SEGMENT,
        "Mediaops·活跃粉丝",
        120,
    )
    assert tag["last_error"] is None
    [on_wechat] = fake.mass.tags[WECHAT_APPID].values()
    assert on_wechat.id == tag["tag_id"]
    assert on_wechat.members == set(first)

    later = first + followers(fake, 10, start=120)
    assert await apply(runtime, requested(workspace_id, channel_id, later))
    assert fake.requests.count(TAGGING) == 4  # the 10 new ones, in one call
    assert fake.requests.count("/cgi-bin/tags/create") == 1  # one tag per segment
    [tag] = await tags(client, editor, channel_id)
    assert tag["members_tagged"] == 130
    assert len(on_wechat.members) == 130


async def test_a_follower_wechat_refuses_is_left_out_and_named(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    channel_id: str,
) -> None:
    fake, _ = wechat
    openids = followers(fake, 3) + ["oLeftTheAccount000000000000"]
    assert await apply(runtime, requested(workspace_id, channel_id, openids))
    [tag] = await tags(client, editor, channel_id)
    assert tag["members_tagged"] == 3
    assert tag["error_code"] == "wechat_40003"
    assert tag["last_error"].startswith("1 follower(s) were not tagged")


async def test_the_tags_are_the_workspaces_own(
    client: httpx.AsyncClient,
    runtime: ChannelRuntime,
    editor: dict[str, str],
    signer: Signer,
    workspace_id: str,
    wechat: Fake,
    channel_id: str,
) -> None:
    fake, _ = wechat
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    response = await client.get(f"/api/v1/channels/{channel_id}/wechat-tags", headers=stranger)
    assert response.status_code == 404
    # Another workspace's request to tag on this channel changes nothing.
    other = str(uuid.uuid4())
    assert await apply(runtime, requested(other, channel_id, followers(fake, 2)))
    assert await tags(client, editor, channel_id) == []
    assert "/cgi-bin/tags/create" not in fake.requests


async def test_a_mass_send_to_a_segment_goes_to_its_tag(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    channel_id: str,
) -> None:
    fake, base = wechat
    everyone = followers(fake, 60)
    assert await apply(worker, requested(workspace_id, channel_id, everyone[:40]))
    [tag] = await tags(client, editor, channel_id)
    options = {channel_id: {"mode": "mass_send", "segment_id": SEGMENT}}
    post = article(workspace_id, [channel_id], base, channel_options=options)
    row, done = await settled(client, editor, worker, post, channel_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded", done
    [send] = fake.mass.sends.values()
    assert send.audience == f"tag:{tag['tag_id']}"
    assert sorted(send.recipients) == sorted(everyone[:40])
    assert done["mass_send"]["tag_id"] == tag["tag_id"]


async def test_a_mass_send_to_a_segment_not_yet_tagged_fails_saying_what_to_do(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    wechat: Fake,
    channel_id: str,
) -> None:
    fake, base = wechat
    options = {channel_id: {"mode": "mass_send", "segment_id": SEGMENT}}
    post = article(workspace_id, [channel_id], base, channel_options=options)
    await apply(worker, post)
    row = await distribution_of(client, editor, post.data["post_id"], channel_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "segment_not_tagged"
    assert f"/api/v1/segments/{SEGMENT}/wechat-tags" in row["last_error"]
    assert not fake.mass.sends
