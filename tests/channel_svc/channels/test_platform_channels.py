"""Channels on every platform: credentials checked per platform and never returned,
settings kept, previews with the rendered post and its violations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, ListedWord, WordlistChangedV1

from tests.channel_svc.conftest import WECHAT_APPID, WECHAT_SECRET
from tests.channel_svc.helpers import add, apply

WECHAT = {
    "platform": "wechat_oa",
    "name": "公众号",
    "config": {"base_url": "https://api.weixin.qq.com"},
    "credentials": {"appid": WECHAT_APPID, "secret": WECHAT_SECRET},
}


def fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


async def test_credentials_are_checked_per_platform_and_never_returned(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    wrong = {**WECHAT, "credentials": {"appid": "nope", "secret": WECHAT_SECRET}}
    response = await client.post("/api/v1/channels", json=wrong, headers=editor)
    assert response.status_code == 422
    assert fields(response) == {"credentials.appid"}
    weibo_shape = {**WECHAT, "credentials": {"access_token": "x" * 20, "uid": "1"}}
    response = await client.post("/api/v1/channels", json=weibo_shape, headers=editor)
    assert {"credentials.appid", "credentials.secret", "credentials.access_token"} <= fields(
        response
    )
    missing = {k: v for k, v in WECHAT.items() if k != "credentials"}
    response = await client.post("/api/v1/channels", json=missing, headers=editor)
    assert fields(response) == {"credentials"}
    created = await client.post("/api/v1/channels", json=WECHAT, headers=editor)
    assert created.status_code == 201
    text = created.text
    assert WECHAT_SECRET not in text
    assert "credentials" not in created.json()
    assert created.json()["has_secret"] is True


async def test_weibo_needs_its_safe_domain_and_manual_platforms_take_no_credentials(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/channels",
        json={
            "platform": "weibo",
            "name": "微博",
            "config": {"link_template": "https://www.example.com/{id}"},
            "credentials": {"access_token": "2.00abcdefghijk", "uid": "123"},
        },
        headers=editor,
    )
    assert fields(response) == {"config.safe_domain", "config.link_template"}
    manual = await client.post(
        "/api/v1/channels",
        json={"platform": "douyin", "name": "抖音", "secret": "s" * 20},
        headers=editor,
    )
    assert fields(manual) == {"secret"}


async def test_settings_are_kept_and_checked(
    client: httpx.AsyncClient, editor: dict[str, str]
) -> None:
    body: dict[str, Any] = {
        "platform": "zhihu",
        "name": "知乎",
        "signature": "— 品牌",
        "default_tags": ["#新品", "新品", "发布"],
        "posting_windows": [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "21:00"}],
        "timezone": "Asia/Shanghai",
    }
    created = await client.post("/api/v1/channels", json=body, headers=editor)
    assert created.status_code == 201, created.text
    channel = created.json()
    assert channel["default_tags"] == ["新品", "发布"]
    assert channel["posting_windows"][0]["start"] == "09:00:00"
    bad = await client.post(
        "/api/v1/channels",
        json={
            **body,
            "timezone": "Mars/Olympus",
            "posting_windows": [{"start": "10:00", "end": "09:00"}],
        },
        headers=editor,
    )
    assert bad.status_code == 422
    assert fields(bad) == {"timezone", "posting_windows.0"}
    patched = await client.patch(
        f"/api/v1/channels/{channel['id']}", json={"status": "disabled"}, headers=editor
    )
    assert patched.json()["status"] == "disabled"


async def test_preview_renders_and_lists_violations_with_positions(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await add(client, editor, {"platform": "xiaohongshu", "name": "小红书"})
    change = WordlistChangedV1(
        wordlist_id="wl-1",
        workspace_id=workspace_id,
        name="品牌敏感词",
        deleted=False,
        words=[ListedWord(word="内幕", category="rumor")],
        changed_at=datetime.now(UTC),
    )
    event = CloudEvent.create("wordlist.changed", "/content-svc", "wl-1", workspace_id, change)
    assert await apply(runtime, event) is True
    body = "揭秘行业内幕，加微信领取。"
    response = await client.post(
        f"/api/v1/channels/{channel_id}/preview",
        json={"title": "春日穿搭", "body_markdown": body, "tags": ["穿搭"]},
        headers=editor,
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["ok"] is False
    assert "#穿搭" in preview["rendered"]["body"]
    found = {(v["code"], v.get("word"), v["position"]) for v in preview["violations"]}
    assert ("listed_word", "内幕", body.index("内幕")) in found
    assert ("listed_word", "加微信", body.index("加微信")) in found
    assert ("cover_missing", None, None) in found
    assert preview["checklist"]


async def test_an_empty_preview_and_another_workspaces_channel_are_refused(
    client: httpx.AsyncClient, editor: dict[str, str], signer: Any
) -> None:
    channel_id = await add(client, editor, {"platform": "zhihu", "name": "知乎"})
    empty = await client.post(
        f"/api/v1/channels/{channel_id}/preview", json={"title": " "}, headers=editor
    )
    assert empty.status_code == 422
    assert fields(empty) == {"title", "body_markdown"}
    stranger = signer.headers(roles=("editor",))
    other = await client.post(
        f"/api/v1/channels/{channel_id}/preview", json={"title": "x"}, headers=stranger
    )
    assert other.status_code == 404
    unknown_post = await client.post(
        f"/api/v1/channels/{channel_id}/preview", json={"post_id": "nope"}, headers=editor
    )
    assert unknown_post.status_code == 404
