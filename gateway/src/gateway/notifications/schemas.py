"""The notification settings an API caller sees: workspace robots, an operator's mail."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.notifications.kinds import MAIL_OFF_BY_DEFAULT, Kind
from gateway.notifications.robots import Platform

Digest = Literal["none", "hourly", "daily"]


class RobotCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "运营群",
                    "platform": "feishu",
                    "webhook_url": "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c",
                    "secret": "mFv8RkQ2...",
                    "kinds": ["distribution_failed", "needs_reauth", "manual_handoff"],
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200)
    platform: Platform
    webhook_url: str = Field(min_length=1, max_length=2000)
    secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The signing secret (Feishu 签名校验, DingTalk 加签); WeCom takes none.",
    )
    kinds: list[Kind] = Field(
        default_factory=lambda: list(Kind), description="The notices it posts; all by default."
    )


class RobotUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kinds: list[Kind] | None = None


class RobotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    platform: Platform
    webhook_host: str
    signed: bool
    kinds: list[Kind]
    created_at: datetime


class PreferencesUpdate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"mail": {"approved": False}, "digest": "hourly"}]}
    )

    mail: dict[Kind, bool] = Field(
        default_factory=dict,
        description="Mail on or off per kind; kinds not named stay. Every kind is mailed "
        "until turned off, but `distribution_succeeded`, mailed only once turned on.",
    )
    digest: Digest | None = Field(
        default=None,
        description="none: one mail per notice; hourly or daily (01:00 UTC, 09:00 Beijing): "
        "one mail gathering the notices since the last.",
    )


class PreferencesRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mail": {
                        k.value: k != Kind.APPROVED and k not in MAIL_OFF_BY_DEFAULT for k in Kind
                    },
                    "digest": "hourly",
                }
            ]
        }
    )

    mail: dict[Kind, bool]
    digest: Digest
