"""A fake of the three group-robot webhooks operators add to their chat groups.

Each follows its platform's documented contract, and checks the signature itself:
- Feishu custom bot, `POST /open-apis/bot/v2/hook/{token}`: a bot with signing on needs
  `timestamp` (seconds, within an hour) and `sign` = base64(HMAC-SHA256 keyed with
  `timestamp + "\\n" + secret`, over nothing) in the body, else `code` 19021 ("sign match
  fail or timestamp is not within one hour from current time"); an unknown token is 19001.
- DingTalk custom robot, `POST /robot/send?access_token=…&timestamp=…&sign=…`: `timestamp`
  in milliseconds within an hour, `sign` = url-encoded base64(HMAC-SHA256 keyed with the
  secret over `timestamp + "\\n" + secret`), else `errcode` 310000 ("sign not match"); an
  unknown token is 300001.
- WeCom group robot, `POST /cgi-bin/webhook/send?key=…`: unsigned; an unknown key is
  `errcode` 93000 ("invalid webhook url"); a message type other than text or markdown 40008.

All answer HTTP 200 with the error in the body, as the platforms do. Register robots with
`fake.feishu(token, secret)` (and `dingtalk`, `wecom`); `fake.received` lists what each
accepted, `fake.refused` the codes it answered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request

HOUR = 3600


def _hmac64(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class Received:
    platform: str
    token: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        if self.platform == "feishu":
            return str(self.body["content"]["text"])
        if self.platform == "dingtalk":
            return str(self.body["markdown"]["text"])
        return str(self.body["markdown"]["content"])


@dataclass
class RobotsFake:
    secrets: dict[tuple[str, str], str | None] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)

    def feishu(self, token: str, secret: str | None) -> str:
        self.secrets["feishu", token] = secret
        return f"/open-apis/bot/v2/hook/{token}"

    def dingtalk(self, token: str, secret: str | None) -> str:
        self.secrets["dingtalk", token] = secret
        return f"/robot/send?access_token={token}"

    def wecom(self, key: str) -> str:
        self.secrets["wecom", key] = None
        return f"/cgi-bin/webhook/send?key={key}"

    def refuse(self, platform: str, code: int) -> None:
        self.refused.append((platform, code))


def _fresh(timestamp: float) -> bool:
    return abs(time.time() - timestamp) <= HOUR


def robots_app(fake: RobotsFake | None = None) -> FastAPI:
    app = FastAPI()
    app.state.fake = fake = fake or RobotsFake()

    def feishu_error(code: int, msg: str) -> dict[str, Any]:
        fake.refuse("feishu", code)
        return {"code": code, "data": {}, "msg": msg}

    @app.post("/open-apis/bot/v2/hook/{token}")
    async def feishu(token: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        if ("feishu", token) not in fake.secrets:
            return feishu_error(19001, "param invalid: incoming webhook access token invalid")
        secret = fake.secrets["feishu", token]
        if secret is not None:
            stamp = str(body.get("timestamp", ""))
            expected = _hmac64(f"{stamp}\n{secret}", "") if stamp.isdigit() else None
            if expected is None or body.get("sign") != expected or not _fresh(int(stamp)):
                return feishu_error(
                    19021,
                    "sign match fail or timestamp is not within one hour from current time",
                )
        if body.get("msg_type") not in ("text", "post", "interactive"):
            return feishu_error(19002, "params error, msg_type need")
        fake.received.append(Received("feishu", token, body))
        return {
            "StatusCode": 0,
            "StatusMessage": "success",
            "code": 0,
            "data": {},
            "msg": "success",
        }

    def errcode(platform: str, code: int, message: str) -> dict[str, Any]:
        fake.refuse(platform, code)
        return {"errcode": code, "errmsg": message}

    @app.post("/robot/send")
    async def dingtalk(request: Request) -> dict[str, Any]:
        query = request.query_params
        token = query.get("access_token", "")
        body = await request.json()
        if ("dingtalk", token) not in fake.secrets:
            return errcode("dingtalk", 300001, "token is not exist")
        secret = fake.secrets["dingtalk", token]
        if secret is not None:
            stamp = query.get("timestamp", "")
            # The query is URL-decoded here: the sign compares as sent before encoding.
            expected = _hmac64(secret, f"{stamp}\n{secret}") if stamp.isdigit() else None
            if expected is None or query.get("sign") != expected or not _fresh(int(stamp) / 1000):
                return errcode("dingtalk", 310000, "sign not match")
        if body.get("msgtype") not in ("text", "markdown", "link", "actionCard"):
            return errcode("dingtalk", 400105, "不支持的消息类型")
        fake.received.append(Received("dingtalk", token, body))
        return {"errcode": 0, "errmsg": "ok"}

    @app.post("/cgi-bin/webhook/send")
    async def wecom(request: Request) -> dict[str, Any]:
        key = request.query_params.get("key", "")
        body = await request.json()
        if ("wecom", key) not in fake.secrets:
            return errcode("wecom", 93000, "invalid webhook url, hint: [fake]")
        if body.get("msgtype") not in ("text", "markdown"):
            return errcode("wecom", 40008, "invalid message type")
        fake.received.append(Received("wecom", key, body))
        return {"errcode": 0, "errmsg": "ok"}

    return app
