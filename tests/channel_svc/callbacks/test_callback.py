"""WeChat's callback on channel-svc: the URL check, signed pushes in plain and safe mode,
replays refused, retries applied once, the auto-reply answered in the message's mode, and
what each message becomes (events for user-svc; a publish confirmed without polling)."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx
import pytest
from channel_svc.models import CallbackMessage
from channel_svc.runtime import ChannelRuntime
from sqlalchemy import func, select

from tests.channel_svc.callbacks.helpers import (
    OPENID,
    TOKEN,
    Account,
    add_rule,
    configured,
    event,
    push,
    text_message,
)
from tests.channel_svc.conftest import outbox_events
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat_crypto import sign
from tests.fakes.wechat_followers import signed_request

Fake = tuple[WechatFake, str]
MATERIAL_PACK = "素材包在这里：https://pan.example.com/s/spring"


@pytest.fixture
async def safe(client: httpx.AsyncClient, editor: dict[str, str], wechat: Fake) -> Account:
    return await configured(client, editor, wechat[1], mode="safe")


@pytest.fixture
async def plain(client: httpx.AsyncClient, editor: dict[str, str], wechat: Fake) -> Account:
    return await configured(client, editor, wechat[1], mode="plain")


async def messages_kept(runtime: ChannelRuntime) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CallbackMessage)) or 0)


async def test_the_url_check_echoes_only_a_signed_request(
    client: httpx.AsyncClient, safe: Account
) -> None:
    timestamp, nonce = str(int(time.time())), "8273645"
    good = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    response = await client.get(safe.path, params={**good, "echostr": "7561839302"})
    assert response.status_code == 200
    assert response.text == "7561839302"
    forged = {**good, "signature": sign("another-token", timestamp, nonce), "echostr": "1"}
    refused = await client.get(safe.path, params=forged)
    assert refused.status_code == 403
    assert "signature" in refused.json()["detail"]
    unknown = await client.get("/callbacks/wechat/" + "x" * 32, params=good)
    assert unknown.status_code == 404


async def test_a_keyword_gets_its_reply_sealed_in_safe_mode(
    client: httpx.AsyncClient, editor: dict[str, str], runtime: ChannelRuntime, safe: Account
) -> None:
    await add_rule(
        client,
        editor,
        safe.channel_id,
        keyword="文案",
        reply={"kind": "text", "text": MATERIAL_PACK},
    )
    response, reply = await push(client, safe, text_message("文案"))
    assert response.status_code == 200
    assert "<Encrypt>" in response.text
    assert "素材包" not in response.text  # sealed, not in the clear
    assert reply is not None
    assert reply["MsgType"] == "text"
    assert reply["Content"] == MATERIAL_PACK
    [received] = await outbox_events(runtime, "platform.message.received")
    assert received["data"]["openid"] == OPENID
    assert received["data"]["text"] == "文案"
    assert received["data"]["platform"] == "wechat"
    assert received["data"]["external_id"] == "6054768590064713728"


async def test_plain_mode_replies_in_the_clear_and_refuses_a_forged_signature(
    client: httpx.AsyncClient, editor: dict[str, str], runtime: ChannelRuntime, plain: Account
) -> None:
    await add_rule(
        client, editor, plain.channel_id, keyword="文案", reply={"kind": "text", "text": "好的"}
    )
    response, reply = await push(client, plain, text_message("文案"))
    assert response.status_code == 200
    assert reply is not None
    assert reply["Content"] == "好的"
    params, body = signed_request(plain.config, text_message("文案", msg_id=2))
    params["signature"] = sign("guessed", params["timestamp"], params["nonce"])
    forged = await client.post(plain.path, params=params, content=body)
    assert forged.status_code == 403
    assert len(await outbox_events(runtime, "platform.message.received")) == 1


async def test_a_safe_mode_channel_refuses_unencrypted_and_tampered_pushes(
    client: httpx.AsyncClient, safe: Account
) -> None:
    plain_config = type(safe.config)(**{**safe.config.__dict__, "mode": "plain"})
    params, body = signed_request(plain_config, text_message("文案"))
    assert (await client.post(safe.path, params=params, content=body)).status_code == 403
    params, body = signed_request(safe.config, text_message("文案"))
    tampered = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    assert (await client.post(safe.path, params=params, content=tampered)).status_code == 403


async def test_a_replayed_request_is_refused_and_an_old_one_too(
    client: httpx.AsyncClient, runtime: ChannelRuntime, safe: Account
) -> None:
    params, body = signed_request(safe.config, text_message("你好"))
    first = await client.post(safe.path, params=params, content=body)
    assert first.status_code == 200
    again = await client.post(safe.path, params=params, content=body)
    assert again.status_code == 403
    assert "replay" in again.json()["detail"]
    old = str(int(time.time()) - 600)
    params, body = signed_request(safe.config, text_message("你好", msg_id=3))
    encrypted = body.split(b"<Encrypt><![CDATA[")[1].split(b"]]>")[0].decode()
    params.update(
        timestamp=old,
        signature=sign(TOKEN, old, params["nonce"]),
        msg_signature=sign(TOKEN, old, params["nonce"], encrypted),
    )
    stale = await client.post(safe.path, params=params, content=body)
    assert stale.status_code == 403
    assert "timestamp" in stale.json()["detail"]
    assert await messages_kept(runtime) == 1


async def test_wechats_retries_of_one_message_are_answered_and_applied_once(
    client: httpx.AsyncClient, editor: dict[str, str], runtime: ChannelRuntime, safe: Account
) -> None:
    await add_rule(
        client, editor, safe.channel_id, keyword="文案", reply={"kind": "text", "text": "好的"}
    )
    message = text_message("文案", msg_id=777)
    replies = []
    for _ in range(3):  # WeChat signs each retry anew; the MsgId stays
        response, reply = await push(client, safe, message)
        assert response.status_code == 200
        replies.append(reply and reply["Content"])
    assert replies == ["好的"] * 3
    assert len(await outbox_events(runtime, "platform.message.received")) == 1
    assert await messages_kept(runtime) == 1


async def test_subscriptions_are_greeted_and_told_to_user_svc(
    client: httpx.AsyncClient, editor: dict[str, str], runtime: ChannelRuntime, safe: Account
) -> None:
    await add_rule(
        client, editor, safe.channel_id, trigger="subscribe", reply={"kind": "text", "text": "欢迎"}
    )
    _, reply = await push(client, safe, event("subscribe", EventKey="qrscene_spring"))
    assert reply is not None
    assert reply["Content"] == "欢迎"
    _, reply = await push(client, safe, event("unsubscribe"))
    assert reply is None
    changes = await outbox_events(runtime, "platform.follower.changed")
    assert [(c["data"]["followed"], c["data"]["scene"]) for c in changes] == [
        (True, "spring"),
        (False, None),
    ]


async def test_menu_clicks_and_images_become_messages_and_the_default_answers_an_image(
    client: httpx.AsyncClient, editor: dict[str, str], runtime: ChannelRuntime, plain: Account
) -> None:
    await add_rule(
        client,
        editor,
        plain.channel_id,
        trigger="default",
        reply={"kind": "text", "text": "收到，稍后回复您"},
    )
    _, reply = await push(client, plain, event("CLICK", EventKey="MENU_PACK"))
    assert reply is None
    image = {**text_message("", msg_id=99), "MsgType": "image", "MediaId": "MEDIA_1"}
    del image["Content"]
    _, reply = await push(client, plain, image)
    assert reply is not None
    assert reply["Content"] == "收到，稍后回复您"
    received = await outbox_events(runtime, "platform.message.received")
    assert [(r["data"]["msg_type"], r["data"]["text"]) for r in received] == [
        ("click", "MENU_PACK"),
        ("image", None),
    ]
    assert received[1]["data"]["media_id"] == "MEDIA_1"


async def test_a_message_for_another_account_or_not_xml_is_refused(
    client: httpx.AsyncClient, plain: Account
) -> None:
    response, _ = await push(client, plain, {**text_message("hi"), "ToUserName": "gh_000000000000"})
    assert response.status_code == 403
    params, _ = signed_request(plain.config, text_message("hi"))
    bad = await client.post(plain.path, params=params, content=b"<xml><unclosed>")
    assert bad.status_code == 400


async def test_a_callback_is_configured_only_on_a_wechat_channel_with_valid_settings(
    client: httpx.AsyncClient,
    editor: dict[str, str],
    safe: Account,
) -> None:
    url = f"/api/v1/channels/{safe.channel_id}/callback"
    read = await client.get(url, headers=editor)
    assert read.status_code == 200
    body = read.json()
    assert body["callback_path"] == safe.path
    assert body["has_encoding_aes_key"] is True
    assert TOKEN not in read.text
    missing_key = await client.put(
        url, json={"token": TOKEN, "mode": "safe", "original_id": "gh_7f083739789a"}, headers=editor
    )
    assert missing_key.status_code == 422
    assert missing_key.json()["errors"][0]["field"] == "encoding_aes_key"
    bad_key = await client.put(
        url,
        json={
            "token": TOKEN,
            "mode": "safe",
            "encoding_aes_key": "short",
            "original_id": "gh_7f083739789a",
        },
        headers=editor,
    )
    assert bad_key.status_code == 422
    assert "encoding_aes_key" in bad_key.text
    # Saving again keeps the URL (what is entered in the WeChat console).
    again = await client.put(
        url,
        json={"token": "newToken1", "mode": "plain", "original_id": "gh_7f083739789a"},
        headers=editor,
    )
    assert again.status_code == 200
    assert again.json()["callback_path"] == safe.path
    assert again.json()["mode"] == "plain"


async def test_a_mass_sends_result_is_kept_in_the_callback_log(
    client: httpx.AsyncClient, runtime: ChannelRuntime, plain: Account
) -> None:
    finished = event(
        "MASSSENDJOBFINISH",
        openid="oSYSTEM",
        MsgID="1000001625",
        Status="send success",
        TotalCount="100",
        FilterCount="80",
        SentCount="75",
        ErrorCount="5",
    )
    response, reply = await push(client, plain, finished)
    assert response.status_code == 200
    assert reply is None
    async with runtime.db.transaction() as session:
        [kept] = (await session.scalars(select(CallbackMessage))).all()
    assert kept.event == "MASSSENDJOBFINISH"
    assert kept.fields["SentCount"] == "75"
    assert kept.fields["Status"] == "send success"


async def test_a_change_to_the_rules_the_callback_or_the_channel_answers_the_next_push(
    client: httpx.AsyncClient, editor: dict[str, str], safe: Account
) -> None:
    """What a push needs is kept in memory between pushes; each change is seen at once."""
    rule = await add_rule(
        client, editor, safe.channel_id, keyword="文案", reply={"kind": "text", "text": "A"}
    )
    _, first = await push(client, safe, text_message("文案", msg_id=1))
    assert first is not None
    assert first["Content"] == "A"
    changed = await client.patch(
        f"/api/v1/autoreplies/{rule['id']}",
        json={"reply": {"kind": "text", "text": "B"}},
        headers=editor,
    )
    assert changed.status_code == 200, changed.text
    _, second = await push(client, safe, text_message("文案", msg_id=2))
    assert second is not None
    assert second["Content"] == "B"
    await add_rule(
        client, editor, safe.channel_id, trigger="default", reply={"kind": "text", "text": "D"}
    )
    _, fallback = await push(client, safe, text_message("你好", msg_id=3))
    assert fallback is not None
    assert fallback["Content"] == "D"
    removed = await client.delete(f"/api/v1/autoreplies/{rule['id']}", headers=editor)
    assert removed.status_code == 204
    _, after_delete = await push(client, safe, text_message("文案", msg_id=4))
    assert after_delete is not None
    assert after_delete["Content"] == "D"

    plain = await client.put(
        f"/api/v1/channels/{safe.channel_id}/callback",
        json={"token": TOKEN, "mode": "plain", "original_id": safe.config.original_id},
        headers=editor,
    )
    assert plain.status_code == 200, plain.text
    sealed, _ = await push(client, safe, text_message("文案", msg_id=5))
    assert sealed.status_code == 403  # no EncodingAESKey any more: a sealed push is refused
    in_the_clear = replace(safe.config, mode="plain")
    clear, answer = await push(
        client, replace(safe, config=in_the_clear), text_message("x", msg_id=6)
    )
    assert clear.status_code == 200, clear.text
    assert answer is not None
    assert answer["Content"] == "D"

    deleted = await client.delete(f"/api/v1/channels/{safe.channel_id}", headers=editor)
    assert deleted.status_code == 204
    gone, _ = await push(client, safe, text_message("文案", msg_id=7))
    assert gone.status_code == 404
