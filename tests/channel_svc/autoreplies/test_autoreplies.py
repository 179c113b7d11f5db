"""Auto-reply rules: what a rule must hold (each mistake named by its field), one greeting
and one default per channel, workspaces apart, and which rule answers a message."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from channel_svc.autoreplies.service import choose
from channel_svc.models import AutoReply

from tests.channel_svc.callbacks.helpers import add_rule
from tests.channel_svc.helpers import add, wechat_channel
from tests.conftest import Signer
from tests.fakes.wechat import WechatFake

Fake = tuple[WechatFake, str]
TEXT = {"kind": "text", "text": "素材包：https://pan.example.com/s/1"}


@pytest.fixture
async def channel_id(client: httpx.AsyncClient, editor: dict[str, str], wechat: Fake) -> str:
    return await wechat_channel(client, editor, wechat[1])


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["errors"][0]["field"])


async def test_rules_are_made_read_changed_and_deleted(
    client: httpx.AsyncClient, editor: dict[str, str], channel_id: str
) -> None:
    rule = await add_rule(client, editor, channel_id, keyword="文案", reply=TEXT, priority=5)
    assert rule["match"] == "exact"  # the default
    assert rule["reply"] == TEXT
    changed = await client.patch(
        f"/api/v1/autoreplies/{rule['id']}",
        json={"match": "contains", "reply": {"kind": "image", "media_id": "MEDIA_1"}},
        headers=editor,
    )
    assert changed.status_code == 200
    assert changed.json()["match"] == "contains"
    assert changed.json()["reply"] == {"kind": "image", "media_id": "MEDIA_1"}
    listed = await client.get(f"/api/v1/autoreplies?channel_id={channel_id}", headers=editor)
    assert [r["id"] for r in listed.json()["items"]] == [rule["id"]]
    gone = await client.delete(f"/api/v1/autoreplies/{rule['id']}", headers=editor)
    assert gone.status_code == 204
    missing = await client.get(f"/api/v1/autoreplies/{rule['id']}", headers=editor)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trigger": "keyword", "reply": TEXT}, "keyword"),
        ({"trigger": "subscribe", "keyword": "hi", "reply": TEXT}, "keyword"),
        ({"keyword": "文案", "match": "regex", "reply": TEXT}, "match"),
        ({"keyword": "文案", "reply": {"kind": "text", "text": ""}}, "reply.text.text"),
        ({"keyword": "文案", "reply": {"kind": "video", "media_id": "x"}}, "reply"),
        ({"keyword": "文案", "priority": -1, "reply": TEXT}, "priority"),
        (
            {"keyword": "文案", "reply": {"kind": "article", "articles": [{"title": "t"}]}},
            "reply.article.articles.0.url",
        ),
        ({"keyword": "x" * 61, "reply": TEXT}, "keyword"),
    ],
)
async def test_a_wrong_rule_is_refused_naming_its_field(
    client: httpx.AsyncClient,
    editor: dict[str, str],
    channel_id: str,
    body: dict[str, object],
    field: str,
) -> None:
    response = await client.post(
        "/api/v1/autoreplies", json={"channel_id": channel_id, **body}, headers=editor
    )
    assert field_of(response).startswith(field), response.json()


async def test_one_greeting_and_one_default_per_channel_and_no_twin_keywords(
    client: httpx.AsyncClient, editor: dict[str, str], channel_id: str
) -> None:
    await add_rule(client, editor, channel_id, trigger="subscribe", reply=TEXT)
    await add_rule(client, editor, channel_id, trigger="default", reply=TEXT)
    await add_rule(client, editor, channel_id, keyword="文案", reply=TEXT)
    await add_rule(client, editor, channel_id, keyword="文案", match="contains", reply=TEXT)
    for body in (
        {"trigger": "subscribe", "reply": TEXT},
        {"trigger": "default", "reply": TEXT},
        {"keyword": "文案", "reply": TEXT},
    ):
        response = await client.post(
            "/api/v1/autoreplies", json={"channel_id": channel_id, **body}, headers=editor
        )
        assert response.status_code == 409, body


async def test_only_wechat_channels_of_the_workspace_take_rules(
    client: httpx.AsyncClient, editor: dict[str, str], channel_id: str, signer: Signer
) -> None:
    webhook = await add(
        client,
        editor,
        {
            "platform": "webhook",
            "name": "CMS",
            "config": {"url": "https://cms.example.com/hook"},
            "secret": "s3cret-signing-key-0123456789",
        },
    )
    response = await client.post(
        "/api/v1/autoreplies",
        json={"channel_id": webhook, "keyword": "文案", "reply": TEXT},
        headers=editor,
    )
    assert field_of(response) == "channel_id"
    rule = await add_rule(client, editor, channel_id, keyword="文案", reply=TEXT)
    stranger = signer.headers(workspace_id=str(uuid.uuid4()), roles=("owner",))
    foreign = await client.post(
        "/api/v1/autoreplies",
        json={"channel_id": channel_id, "keyword": "文案", "reply": TEXT},
        headers=stranger,
    )
    assert foreign.status_code == 404
    assert (
        await client.get(f"/api/v1/autoreplies/{rule['id']}", headers=stranger)
    ).status_code == 404
    listed = await client.get("/api/v1/autoreplies", headers=stranger)
    assert listed.json()["items"] == []
    patched = await client.patch(
        f"/api/v1/autoreplies/{rule['id']}", json={"priority": 9}, headers=stranger
    )
    assert patched.status_code == 404
    deleted = await client.delete(f"/api/v1/autoreplies/{rule['id']}", headers=stranger)
    assert deleted.status_code == 404
    callback = await client.get(f"/api/v1/channels/{channel_id}/callback", headers=stranger)
    assert callback.status_code == 404


def rule(
    trigger: str,
    keyword: str | None = None,
    match: str | None = None,
    priority: int = 0,
    age: int = 0,
) -> AutoReply:
    return AutoReply(
        id=str(uuid.uuid4()),
        trigger=trigger,
        keyword=keyword,
        match=match,
        priority=priority,
        reply={"kind": "text", "text": f"{trigger}:{match}:{keyword}:{priority}"},
        created_at=datetime(2025, 3, 1, tzinfo=UTC) - timedelta(minutes=age),
    )


def test_priority_first_then_exact_before_contains_then_the_oldest() -> None:
    contains_high = rule("keyword", "文案", "contains", priority=5)
    exact_low = rule("keyword", "文案", "exact", priority=1)
    contains_low = rule("keyword", "文", "contains", priority=1, age=10)
    default = rule("default")
    rules = [exact_low, contains_low, contains_high, default]
    assert choose(rules, text="文案") is contains_high
    assert choose([exact_low, contains_low, default], text=" 文案 ") is exact_low
    assert choose([exact_low, contains_low, default], text="要文案") is contains_low
    older = rule("keyword", "案", "contains", priority=1, age=20)
    assert choose([contains_low, older], text="要文案") is older
    assert choose(rules, text="你好") is default
    assert choose([exact_low], text="你好") is None
    assert choose([exact_low], text="ABC") is None
    upper = rule("keyword", "Pack", "exact")
    assert choose([upper], text="pack") is upper
    greeting = rule("subscribe")
    assert choose([*rules, greeting], text=None, subscribe=True) is greeting
