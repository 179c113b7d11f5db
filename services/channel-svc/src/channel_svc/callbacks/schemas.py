"""A WeChat channel's callback settings (the 服务器配置 of its account), in and out, and
the query WeChat signs each push with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from servicekit.schemas import RequestModel, ResponseModel

from channel_svc.kit.wxcrypt import aes_key
from channel_svc.models import CallbackSettings


class CallbackSettingsWrite(RequestModel):
    """What the account's server configuration in the WeChat console holds."""

    token: str = Field(
        pattern=r"^[A-Za-z0-9]{3,32}$",
        description="The Token of the server configuration (3 to 32 letters and digits); "
        "stored encrypted, never returned.",
    )
    encoding_aes_key: str | None = Field(
        default=None,
        description="The EncodingAESKey (43 characters); needed in safe mode; stored "
        "encrypted, never returned.",
    )
    mode: Literal["plain", "safe"] = Field(
        default="safe", description="`plain` (明文模式) or `safe` (安全模式, AES-encrypted)."
    )
    original_id: str = Field(
        pattern=r"^gh_[A-Za-z0-9]{6,40}$",
        description="The account's original id (gh_...): what WeChat addresses messages to.",
        examples=["gh_7f083739789a"],
    )

    @field_validator("encoding_aes_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None:
            aes_key(value)
        return value


class CallbackSettingsRead(ResponseModel):
    channel_id: str
    mode: str
    original_id: str
    callback_path: str = Field(
        description="The URL to enter in the WeChat console, under the public address "
        "(`MEDIAOPS_PUBLIC_URL`)."
    )
    callback_url: str
    has_encoding_aes_key: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, settings: CallbackSettings, *, public_url: str, has_key: bool
    ) -> CallbackSettingsRead:
        path = callback_path(settings.token)
        return cls(
            channel_id=settings.channel_id,
            mode=settings.mode,
            original_id=settings.original_id,
            callback_path=path,
            callback_url=f"{public_url}{path}",
            has_encoding_aes_key=has_key,
            created_at=settings.created_at,
            updated_at=settings.updated_at,
        )


def callback_path(token: str) -> str:
    return f"/callbacks/wechat/{token}"


class SignedQuery(BaseModel):
    """The query string of every push: plain mode's signature, and safe mode's."""

    signature: str = Field(default="", max_length=64)
    timestamp: str = Field(default="", max_length=20)
    nonce: str = Field(default="", max_length=64)
    echostr: str | None = Field(default=None, max_length=1024)
    encrypt_type: str | None = Field(default=None, max_length=16)
    msg_signature: str | None = Field(default=None, max_length=64)
    openid: str | None = Field(default=None, max_length=200)
