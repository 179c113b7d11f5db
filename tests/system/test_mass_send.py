"""A post mass-sent (群发) to a segment of a WeChat account's followers, every process real
and WeChat played by its fake: followers subscribe (the callback, through the gateway, makes
them members in user-svc by Kafka); their segment is synced as a tag (user-svc's
`segment.tag.requested`, applied by channel-svc); the post published with `mass_send` to
the segment goes to that tag, and WeChat's `MASSSENDJOBFINISH`, pushed to the gateway's
public callback, settles the distribution with its counts."""

from __future__ import annotations

from typing import Any

import httpx
from devstack.stack import Stack

from tests.system.conftest import eventually
from tests.system.test_follower_loop import (
    ok,
    wechat,  # noqa: F401 (the fixture)
    wechat_channel_calling_back,
)
from tests.system.test_publish_slice import sign_up

FOLLOWERS = [f"oMassFollower{n:014d}" for n in range(3)]


async def test_a_post_mass_sent_to_a_segment_reaches_its_tag_and_settles_with_counts(
    gateway: httpx.AsyncClient,
    stack: Stack,
    wechat: str,  # noqa: F811
) -> None:
    owner = await sign_up(gateway, "星辰咖啡")
    config = {"base_url": wechat, "link_template": "https://www.example.com/p/{post_id}"}
    channel = await wechat_channel_calling_back(gateway, stack, owner, config)
    async with httpx.AsyncClient(base_url=wechat, timeout=30) as platform:
        for openid in FOLLOWERS:
            ok(await platform.post(f"/_fake/followers/{openid}/subscribe", json={}))

    async def members() -> list[dict[str, Any]] | None:
        found = ok(
            await gateway.get("/api/v1/members", params={"platform": "wechat"}, headers=owner)
        )
        items: list[dict[str, Any]] = found["items"]
        return items if len(items) == len(FOLLOWERS) else None

    await eventually(members)
    segment = ok(
        await gateway.post(
            "/api/v1/segments",
            json={"name": "老粉", "rules": {"platforms_any": ["wechat"]}},
            headers=owner,
        ),
        201,
    )
    requested = ok(
        await gateway.post(
            f"/api/v1/segments/{segment['id']}/wechat-tags",
            json={"channel_id": channel["id"]},
            headers=owner,
        ),
        202,
    )
    assert requested["members"] == len(FOLLOWERS)

    async def tagged() -> dict[str, Any] | None:
        tags = ok(
            await gateway.get(f"/api/v1/channels/{channel['id']}/wechat-tags", headers=owner)
        )["items"]
        return tags[0] if tags and tags[0]["members_tagged"] == len(FOLLOWERS) else None

    tag = await eventually(tagged)
    post = ok(
        await gateway.post(
            "/api/v1/posts",
            json={
                "title": "秋季新品上市",
                "body_markdown": "# 新品\n\n今天发布。",
                "cover_url": f"{wechat}/_fake/images/cover.png",
            },
            headers=owner,
        ),
        201,
    )
    options = {channel["id"]: {"mode": "mass_send", "segment_id": segment["id"]}}
    ok(
        await gateway.post(
            f"/api/v1/posts/{post['id']}/publish",
            json={"channel_ids": [channel["id"]], "channel_options": options},
            headers=owner,
        )
    )

    async def settled() -> dict[str, Any] | None:
        found = ok(
            await gateway.get(
                "/api/v1/distributions", params={"post_id": post["id"]}, headers=owner
            )
        )
        items: list[dict[str, Any]] = found["items"]
        done = items and items[0]["status"] in ("succeeded", "failed")
        return items[0] if done else None

    distribution = await eventually(settled, timeout=60)
    assert distribution["status"] == "succeeded", distribution
    mass_send = distribution["mass_send"]
    assert mass_send["tag_id"] == tag["tag_id"]
    # Settled by the pushed result (the first poll is 10 s away), with its counts.
    assert (mass_send["status"], mass_send["sent_count"]) == ("send success", len(FOLLOWERS))
    async with httpx.AsyncClient(base_url=wechat, timeout=30) as platform:
        sent = ok(await platform.get("/_fake/sent"))
    assert [(s["kind"], s["touser"]) for s in sent] == [("mass", f"tag:{tag['tag_id']}")]
    assert sent[0]["content"]["recipients"] == len(FOLLOWERS)
