"""The WeChat fake's followers: pushes to an account's callback, as WeChat makes them.

An account's server configuration (URL, Token, EncodingAESKey, plain or safe mode, its
original id) is saved the way the WeChat console saves it: only after the URL answers the
signed check with its `echostr`. Then each follower action is pushed as WeChat pushes it:
XML signed with the token (`signature`, `timestamp`, `nonce`, `openid`); in safe mode
encrypted (`encrypt_type=aes`, `msg_signature`, `<Encrypt>`), with this fake's own crypto
(`tests.fakes.wechat_crypto`). WeChat waits 5 s for an answer and sends the same message
again up to 3 times (the same `MsgId`, a new signature); the passive reply is checked as
WeChat checks it (addressed to the follower from the account; in safe mode signed and
sealed), and handed back decoded.

Control API (under `/_fake`):
- `PUT /_fake/accounts/{appid}/callback {"url", "token", "encoding_aes_key"?, "mode",
  "original_id"}`
- `POST /_fake/followers/{openid}/messages {"text", "appid"?, "msg_type"?, "repeat"?}`:
  the reply the account gave (`repeat`: send the same message that many more times, as
  WeChat's retries do)
- `POST /_fake/followers/{openid}/subscribe` and `/unsubscribe` (`{"appid"?, "scene"?}`),
  `/click {"key"}`
- `POST /_fake/publications/{publish_id}/push`: the publication settles and
  `PUBLISHJOBFINISH` is pushed
- `POST /_fake/callbacks/replay`: the last push sent again, byte for byte (an attacker's
  replay); `GET /_fake/callbacks/pushes`: what was pushed and answered, newest first
- `GET /_fake/sent`: what the account sent to followers (customer-service messages and mass
  sends, `tests.fakes.wechat_mass`), newest first; `POST /_fake/clock/advance {"seconds"}`:
  the followers' clock moves on (windows close)

Customer-service messages (`POST /cgi-bin/message/custom/send`) are answered as WeChat
answers them: only inside the window the follower's last action opened (a message: 5
messages within 48 hours; a menu click, a subscription or a scan: 3 within 1 minute);
`45015` outside it or once the follower left, `45047` when its allowance is spent.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tests.fakes import wechat_crypto

ANSWER_SECONDS = 5.0  # WeChat's wait for an answer
RETRIES = 3
# What a follower's last action allows the account to send: (seconds, messages).
MESSAGE_WINDOW = (48 * 3600, 5)
EVENT_WINDOW = (60, 3)


@dataclass
class CallbackConfig:
    appid: str
    url: str
    token: str
    mode: str
    original_id: str
    encoding_aes_key: str | None = None


@dataclass
class Push:
    appid: str
    openid: str
    kind: str
    status: int | None
    reply: dict[str, Any] | None
    error: str | None = None


@dataclass
class Window:
    """What a follower's last action allows: `allowed` messages until `closes_at`."""

    action: str
    closes_at: float
    allowed: int
    used: int = 0


@dataclass
class Sent:
    appid: str
    kind: str  # "custom" (customer-service message) or "mass" (a mass send, `to` its audience)
    to: str
    msgtype: str
    content: Any
    msgid: str
    at: float


@dataclass
class Followers:
    configs: dict[str, CallbackConfig] = field(default_factory=dict)
    pushes: list[Push] = field(default_factory=list)
    last_request: tuple[str, dict[str, str], bytes] | None = None
    msg_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(6054768590064713728)
    )
    # Per (appid, openid): the window the follower's last action opened (none once left).
    windows: dict[tuple[str, str], Window] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    skew_seconds: float = 0.0  # the clock moved on by the tests

    def now(self) -> float:
        return time.time() + self.skew_seconds

    def acted(self, appid: str, openid: str, action: str) -> None:
        """A follower's action reached the account: the window it allows starts now."""
        if action == "unsubscribe":
            self.windows.pop((appid, openid), None)
            return
        seconds, allowed = MESSAGE_WINDOW if action == "message" else EVENT_WINDOW
        self.windows[(appid, openid)] = Window(action, self.now() + seconds, allowed)

    def custom_send(self, appid: str, openid: str) -> int:
        """The errcode of a customer-service message to `openid` now (0: it may go)."""
        window = self.windows.get((appid, openid))
        if window is None or window.closes_at <= self.now():
            return 45015
        if window.used >= window.allowed:
            return 45047
        window.used += 1
        return 0


def error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": message})


class AdvanceBody(BaseModel):
    seconds: float = Field(ge=0)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, Any]) -> str:
    def render(value: Any) -> str:
        if isinstance(value, dict):
            return "".join(f"<{k}>{render(v)}</{k}>" for k, v in value.items())
        if isinstance(value, int):
            return str(value)
        return _cdata(str(value))

    return f"<xml>{render(fields)}</xml>"


def _fields(root: ElementTree.Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in root:
        out[child.tag] = _fields(child) if len(child) else (child.text or "")
    return out


def signed_request(config: CallbackConfig, fields: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """The query and body of one push of `fields`, as WeChat signs (and seals) them."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    params = {
        "signature": wechat_crypto.sign(config.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": str(fields["FromUserName"]),
    }
    xml = message_xml(fields)
    if config.mode != "safe":
        return params, xml.encode()
    assert config.encoding_aes_key is not None
    encrypted = wechat_crypto.seal(xml, config.encoding_aes_key, config.appid)
    params["encrypt_type"] = "aes"
    params["msg_signature"] = wechat_crypto.sign(config.token, timestamp, nonce, encrypted)
    body = (
        f"<xml><ToUserName>{_cdata(config.original_id)}</ToUserName>"
        f"<Encrypt>{_cdata(encrypted)}</Encrypt></xml>"
    )
    return params, body.encode()


def read_reply(config: CallbackConfig, openid: str, text: str) -> dict[str, Any] | None:
    """The passive reply, checked as WeChat checks it; None for `success` or nothing.
    ValueError when WeChat would refuse it (the follower then sees 该公众号暂时无法提供服务)."""
    if text.strip() in ("", "success"):
        return None
    root = ElementTree.fromstring(text)
    fields = _fields(root)
    if config.mode == "safe" or "Encrypt" in fields:
        if config.encoding_aes_key is None:
            raise ValueError("an encrypted reply to a plain-mode account")
        expected = wechat_crypto.sign(
            config.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
        )
        if fields.get("MsgSignature") != expected:
            raise ValueError("the reply's MsgSignature does not match")
        inner = wechat_crypto.unseal(fields["Encrypt"], config.encoding_aes_key, config.appid)
        fields = _fields(ElementTree.fromstring(inner))
    if fields.get("ToUserName") != openid or fields.get("FromUserName") != config.original_id:
        raise ValueError("the reply is not addressed to the follower from the account")
    if fields.get("MsgType") not in ("text", "image", "voice", "video", "music", "news"):
        raise ValueError(f"unknown reply type {fields.get('MsgType')!r}")
    return fields


class CallbackBody(BaseModel):
    url: str
    token: str = Field(pattern=r"^[A-Za-z0-9]{3,32}$")
    encoding_aes_key: str | None = Field(default=None, min_length=43, max_length=43)
    mode: str = Field(default="plain", pattern="^(plain|safe)$")
    original_id: str = Field(pattern=r"^gh_")


class MessageBody(BaseModel):
    text: str = ""
    appid: str | None = None
    msg_type: str = Field(default="text", pattern="^(text|image|voice)$")
    repeat: int = Field(default=0, ge=0, le=RETRIES)


class ActionBody(BaseModel):
    appid: str | None = None
    scene: str | None = None
    key: str | None = None


async def push_to(
    followers: Followers, config: CallbackConfig, fields: dict[str, Any], *, repeat: int = 0
) -> Push:
    """Push `fields` to the account's callback as WeChat does: signed (sealed in safe mode),
    sent again when no answer comes, `repeat` more times on purpose; kept in `pushes`."""
    openid = str(fields["FromUserName"])
    kind = str(fields.get("Event") or fields["MsgType"])
    record = Push(config.appid, openid, kind, status=None, reply=None)
    for attempt in range(1 + RETRIES):
        params, body = signed_request(config, fields)
        followers.last_request = (config.url, params, body)
        try:
            async with httpx.AsyncClient(timeout=ANSWER_SECONDS) as client:
                response = await client.post(
                    config.url, params=params, content=body, headers={"Content-Type": "text/xml"}
                )
        except httpx.HTTPError as exc:
            record.error = f"no answer: {type(exc).__name__}"
            continue  # WeChat tries again
        record.status = response.status_code
        if response.status_code != 200:
            record.error = f"HTTP {response.status_code}: {response.text[:300]}"
            continue
        try:
            record.reply = read_reply(config, openid, response.text)
            record.error = None
        except (ValueError, ElementTree.ParseError) as exc:
            record.error = f"reply refused: {exc}"
        if attempt >= repeat:
            break
    followers.pushes.append(record)
    return record


def base(config: CallbackConfig, openid: str, msg_type: str) -> dict[str, Any]:
    """The fields every push carries."""
    return {
        "ToUserName": config.original_id,
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": msg_type,
    }


def install(app: FastAPI, fake: Any) -> Followers:
    """Add the followers' control API to the WeChat fake `app` (whose state is `fake`)."""
    followers = Followers()
    app.state.followers = followers

    def config_of(appid: str | None) -> CallbackConfig:
        if appid is None and len(followers.configs) == 1:
            return next(iter(followers.configs.values()))
        config = followers.configs.get(appid or "")
        if config is None:
            raise HTTPException(404, "no callback configured for that account (give appid)")
        return config

    async def push(config: CallbackConfig, fields: dict[str, Any], *, repeat: int = 0) -> Push:
        return await push_to(followers, config, fields, repeat=repeat)

    def answer(record: Push) -> dict[str, Any]:
        return {"status": record.status, "reply": record.reply, "error": record.error}

    @app.put("/_fake/accounts/{appid}/callback")
    async def configure(appid: str, body: CallbackBody) -> dict[str, Any]:
        if body.mode == "safe" and body.encoding_aes_key is None:
            raise HTTPException(400, "safe mode needs an EncodingAESKey")
        config = CallbackConfig(appid=appid, **body.model_dump())
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        echostr = secrets.token_hex(8)
        check = {
            "signature": wechat_crypto.sign(config.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        async with httpx.AsyncClient(timeout=ANSWER_SECONDS) as client:
            try:
                response = await client.get(config.url, params=check)
            except httpx.HTTPError as exc:
                raise HTTPException(400, f"URL check failed: {exc!r}") from exc
        if response.status_code != 200 or response.text != echostr:
            raise HTTPException(400, f"token验证失败: the URL answered {response.status_code}")
        followers.configs[appid] = config
        return {"appid": appid, "url": config.url, "mode": config.mode}

    @app.post("/_fake/followers/{openid}/messages")
    async def message(openid: str, body: MessageBody) -> dict[str, Any]:
        config = config_of(body.appid)
        fields = base(config, openid, body.msg_type)
        if body.msg_type == "text":
            fields["Content"] = body.text
        else:
            fields["MediaId"] = f"MEDIA_{secrets.token_hex(8)}"
            if body.msg_type == "image":
                fields["PicUrl"] = "https://mmbiz.qpic.cn/fake.jpg"
            else:
                fields["Format"] = "amr"
        fields["MsgId"] = next(followers.msg_ids)
        with fake.lock:
            followers.acted(config.appid, openid, "message")
        return answer(await push(config, fields, repeat=body.repeat))

    @app.post("/_fake/followers/{openid}/{action}")
    async def act(openid: str, action: str, body: ActionBody | None = None) -> dict[str, Any]:
        body = body or ActionBody()
        config = config_of(body.appid)
        fields = base(config, openid, "event")
        if action == "subscribe":
            fields["Event"] = "subscribe"
            if body.scene:
                fields["EventKey"] = f"qrscene_{body.scene}"
        elif action == "unsubscribe":
            fields["Event"] = "unsubscribe"
        elif action == "click":
            fields["Event"] = "CLICK"
            fields["EventKey"] = body.key or ""
        else:
            raise HTTPException(404, f"unknown action {action}")
        if action in ("subscribe", "unsubscribe"):
            # The account's followers (whom a mass send reaches) change with it.
            fake.subscribe(config.appid, openid, subscribed=action == "subscribe")
        with fake.lock:
            followers.acted(config.appid, openid, action)
        return answer(await push(config, fields))

    @app.post("/_fake/publications/{publish_id}/push")
    async def publish_finished(publish_id: str) -> dict[str, Any]:
        with fake.lock:
            publication = fake.publications.get(publish_id)
            if publication is None:
                raise HTTPException(404, "no such publication")
            fake.settle(publication)  # settles now, as the poll would have seen it
            info: dict[str, Any] = {
                "publish_id": publication.publish_id,
                "publish_status": publication.status,
            }
            if publication.article_id:
                info["article_id"] = publication.article_id
                info["article_detail"] = {
                    "count": 1,
                    "item": {"idx": 1, "article_url": publication.url},
                }
            appid = publication.appid
        config = config_of(appid)
        fields = base(config, "oFAKEsystem0000000000000000", "event")
        fields["Event"] = "PUBLISHJOBFINISH"
        fields["PublishEventInfo"] = info
        return answer(await push(config, fields))

    @app.post("/_fake/callbacks/replay")
    async def replay() -> dict[str, Any]:
        if followers.last_request is None:
            raise HTTPException(404, "nothing was pushed yet")
        url, params, body = followers.last_request
        async with httpx.AsyncClient(timeout=ANSWER_SECONDS) as client:
            response = await client.post(url, params=params, content=body)
        return {"status": response.status_code, "body": response.text[:500]}

    @app.post("/cgi-bin/message/custom/send")
    async def custom_send(request: Request, access_token: str = "") -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return error(47001, "data format error")
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            openid, msgtype = body.get("touser"), body.get("msgtype")
            if not isinstance(openid, str) or not openid:
                return error(40003, "invalid openid")
            if msgtype != "text" or not isinstance(body.get("text"), dict):
                return error(40008, "invalid message type")
            content = body["text"].get("content")
            if not isinstance(content, str) or not content:
                return error(44004, "empty content")
            code = followers.custom_send(account.appid, openid)
            if code == 45015:
                return error(code, "response out of time limit or subscription is canceled")
            if code == 45047:
                return error(code, "out of response count limit")
            msgid = str(next(followers.msg_ids))
            followers.sent.append(
                Sent(account.appid, "custom", openid, "text", content, msgid, followers.now())
            )
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.get("/_fake/sent")
    async def sent() -> list[dict[str, Any]]:
        with fake.lock:
            return [
                {
                    "appid": s.appid,
                    "kind": s.kind,
                    "touser": s.to,
                    "msgtype": s.msgtype,
                    "content": s.content,
                    "msgid": s.msgid,
                    "at": s.at,
                }
                for s in reversed(followers.sent)
            ]

    @app.post("/_fake/clock/advance")
    async def advance(body: AdvanceBody) -> dict[str, float]:
        with fake.lock:
            followers.skew_seconds += body.seconds
        return {"skew_seconds": followers.skew_seconds}

    @app.get("/_fake/callbacks/pushes")
    async def pushes() -> list[dict[str, Any]]:
        return [
            {"appid": p.appid, "openid": p.openid, "kind": p.kind, **answer(p)}
            for p in reversed(followers.pushes)
        ]

    return followers
