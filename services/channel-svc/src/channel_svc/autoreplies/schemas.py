"""Auto-replies in and out: a rule's trigger (keyword, subscribe, default), its match and
its reply (text, image or article)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, HttpUrl, ValidationInfo, field_validator
from servicekit.schemas import RequestModel, ResponseModel

from channel_svc.models import AutoReply

# What a text passive reply may hold (WeChat cuts text replies at 2,048 bytes; this many
# characters of Chinese stay under it).
TEXT_MAX = 600
PRIORITY_MAX = 1000


class TextReply(RequestModel):
    kind: Literal["text"]
    text: str = Field(min_length=1, max_length=TEXT_MAX, examples=["素材包：https://..."])


class ImageReply(RequestModel):
    kind: Literal["image"]
    media_id: str = Field(
        min_length=1, max_length=128, description="A permanent image material's media_id."
    )


class Article(RequestModel):
    title: str = Field(min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=120)
    url: HttpUrl = Field(description="Where the card leads.")
    picurl: HttpUrl | None = Field(default=None, description="The card's picture.")


class ArticleReply(RequestModel):
    kind: Literal["article"]
    # WeChat shows one article card in a passive reply (since October 2018).
    articles: list[Article] = Field(min_length=1, max_length=1)


Reply = Annotated[TextReply | ImageReply | ArticleReply, Field(discriminator="kind")]
Trigger = Literal["keyword", "subscribe", "default"]
Match = Literal["exact", "contains"]

TRIGGER_HELP = (
    "`keyword`: answers a text message that matches `keyword` (`match`: `exact`, the whole "
    "message, or `contains`; case and surrounding spaces ignored); `subscribe`: greets a new "
    "follower; `default`: answers a message no keyword rule matched. One `subscribe` and one "
    "`default` rule per channel."
)
PRIORITY_HELP = (
    "Keyword rules are tried highest priority first; at equal priority `exact` rules before "
    "`contains` ones, then the oldest first. The first that matches answers."
)


class AutoReplyCreate(RequestModel):
    channel_id: str = Field(min_length=1, max_length=64, description="A `wechat_oa` channel.")
    trigger: Trigger = Field(default="keyword", description=TRIGGER_HELP)
    # Checked against `trigger` (declared before them), also when left out.
    match: Match | None = Field(
        default=None, validate_default=True, description="Keyword rules: default `exact`."
    )
    keyword: str | None = Field(
        default=None, validate_default=True, min_length=1, max_length=60, examples=["文案"]
    )
    priority: int = Field(default=0, ge=0, le=PRIORITY_MAX, description=PRIORITY_HELP)
    reply: Reply
    enabled: bool = True

    @field_validator("match")
    @classmethod
    def _match(cls, value: str | None, info: ValidationInfo) -> str | None:
        trigger = info.data.get("trigger")
        if trigger == "keyword":
            return value or "exact"
        if value is not None:
            raise ValueError(f"a {trigger} rule takes no match")
        return None

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str | None, info: ValidationInfo) -> str | None:
        trigger = info.data.get("trigger")
        if trigger == "keyword" and not value:
            raise ValueError("a keyword rule needs a keyword")
        if trigger != "keyword" and value is not None:
            raise ValueError(f"a {trigger} rule takes no keyword")
        return value


class AutoReplyUpdate(RequestModel):
    match: Match | None = None
    keyword: str | None = Field(default=None, min_length=1, max_length=60)
    priority: int | None = Field(default=None, ge=0, le=PRIORITY_MAX)
    reply: Reply | None = None
    enabled: bool | None = None


class AutoReplyRead(ResponseModel):
    id: str
    channel_id: str
    trigger: str
    match: str | None
    keyword: str | None
    priority: int
    reply: dict[str, Any]
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rule: AutoReply) -> AutoReplyRead:
        return cls.model_validate(rule)
