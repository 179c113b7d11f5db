"""Group robots: how each platform wants a message, signed, and what its answer means.

- Feishu (飞书) custom bot: the body carries `timestamp` (seconds) and `sign`, the base64
  HMAC-SHA256 keyed with `timestamp + "\\n" + secret` over nothing; an answer whose `code`
  is not 0 is a refusal (19021: the sign does not match, or the time is an hour off).
- DingTalk (钉钉) custom robot: `&timestamp=<ms>&sign=<…>` on the URL, the sign the base64
  HMAC-SHA256 keyed with the secret over `timestamp + "\\n" + secret`, URL-encoded; `errcode`
  not 0 is a refusal (310000: the sign does not match).
- WeCom (企业微信) group robot: `webhook/send?key=…`, unsigned (the key in the URL is the
  credential); `errcode` not 0 is a refusal (93000: invalid webhook URL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote_plus

import httpx


class Platform(StrEnum):
    FEISHU = "feishu"
    DINGTALK = "dingtalk"
    WECOM = "wecom"


# The robots that sign their messages, and so need the secret their settings page shows.
SIGNED = (Platform.FEISHU, Platform.DINGTALK)


class RobotRefused(Exception):
    """The robot's platform answered, with an error code of its own."""

    def __init__(self, platform: str, code: object, message: str) -> None:
        super().__init__(f"{platform} error {code}: {message}")
        self.code = code


def _hmac_base64(key: str, message: str) -> str:
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(timestamp: int, secret: str) -> str:
    return _hmac_base64(f"{timestamp}\n{secret}", "")


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """The sign before URL-encoding."""
    return _hmac_base64(secret, f"{timestamp_ms}\n{secret}")


def request_for(
    platform: Platform, url: str, secret: str | None, title: str, body: str, *, now: datetime
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body of one message."""
    if platform is Platform.FEISHU:
        message: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{body}"}}
        if secret:
            timestamp = int(now.timestamp())
            message = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(timestamp, secret),
            } | message
        return url, message
    if platform is Platform.DINGTALK:
        if secret:
            timestamp_ms = int(now.timestamp() * 1000)
            joiner = "&" if "?" in url else "?"
            sign = quote_plus(dingtalk_sign(timestamp_ms, secret))
            url = f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"
        text = f"### {title}\n\n{body}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return url, {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{body}"}}


async def post(
    http: httpx.AsyncClient,
    platform: Platform,
    url: str,
    secret: str | None,
    title: str,
    body: str,
    *,
    now: datetime,
) -> None:
    """Post one message; `RobotRefused` when the platform said no, httpx's errors when it
    could not be reached (both worth another try later)."""
    target, message = request_for(platform, url, secret, title, body, now=now)
    answer = await http.post(target, json=message)
    try:
        said = answer.json()
    except ValueError:
        said = None
    if not isinstance(said, dict):
        answer.raise_for_status()
        raise RobotRefused(platform, answer.status_code, "the answer is not JSON")
    # Feishu answers `code` (older bots `StatusCode`); DingTalk and WeCom `errcode`.
    code = said.get("code", said.get("StatusCode", said.get("errcode", 0)))
    if code not in (0, None):
        message_said = said.get("msg") or said.get("errmsg") or said.get("StatusMessage") or ""
        raise RobotRefused(platform, code, str(message_said))
    answer.raise_for_status()
