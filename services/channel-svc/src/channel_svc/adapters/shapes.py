"""What a channel's `config` and `credentials` must hold, per platform.

Configs are not secret and are returned by the API; credentials are encrypted at rest and
never returned. Every model refuses unknown fields, so a typo is a 422 naming it.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from servicekit.problems import FieldError, Invalid

M = TypeVar("M", bound=BaseModel)

LINK_TEMPLATE_HELP = (
    "The post's canonical link, with {post_id} where the post's id goes, e.g. "
    "https://www.example.com/posts/{post_id}"
)


def validated(model: type[M], data: dict[str, Any], prefix: str) -> M:
    """`model` built from `data`, or `Invalid` naming every wrong `<prefix>.<field>`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(
                field=".".join([prefix, *(str(part) for part in err["loc"])]),
                message=err["msg"],
                type=err["type"],
            )
            for err in exc.errors(include_url=False)
        ]
        raise Invalid("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors) from exc


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_link_template(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    if "{post_id}" not in value:
        raise ValueError("must contain {post_id}")
    return value


class WebhookConfig(_Shape):
    url: str = Field(min_length=1, max_length=2048)


class LinkedConfig(_Shape):
    link_template: str | None = Field(default=None, max_length=500, description=LINK_TEMPLATE_HELP)

    _link = field_validator("link_template")(_check_link_template)


class ManualConfig(LinkedConfig):
    account_name: str | None = Field(default=None, max_length=200)


class FeedConfig(LinkedConfig):
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    site_url: str | None = Field(default=None, max_length=500)
    language: str = Field(default="zh-CN", max_length=20)


class WechatConfig(LinkedConfig):
    base_url: str = Field(default="https://api.weixin.qq.com", max_length=500)
    # A subscription account may mass-send once a day; a service account 4 times a month
    # to each follower (the platform filters those past it).
    account_type: Literal["subscription", "service"] = "subscription"
    author: str | None = Field(default=None, max_length=16)
    need_open_comment: bool = False
    only_fans_can_comment: bool = False


class WechatCredentials(_Shape):
    appid: str = Field(pattern=r"^wx[0-9a-zA-Z]{16}$", description="wx followed by 16 characters")
    secret: str = Field(pattern=r"^[0-9a-zA-Z]{32}$", description="the AppSecret, 32 characters")


class WeiboConfig(_Shape):
    base_url: str = Field(default="https://api.weibo.com", max_length=500)
    safe_domain: str = Field(
        min_length=3,
        max_length=253,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        description="The safe domain registered for the Weibo app (e.g. example.com).",
    )
    link_template: str = Field(max_length=500, description=LINK_TEMPLATE_HELP)

    _link = field_validator("link_template")(_check_link_template)


class WeiboCredentials(_Shape):
    access_token: str = Field(min_length=10, max_length=200)
    uid: str = Field(pattern=r"^[0-9]{1,20}$")
    # With these the adapter can refresh an expired token itself (apps with refresh tokens).
    app_key: str | None = Field(default=None, max_length=100)
    app_secret: str | None = Field(default=None, max_length=200)
    refresh_token: str | None = Field(default=None, max_length=200)
