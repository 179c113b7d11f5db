from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator
from servicekit.db import utcnow
from servicekit.schemas import RequestModel, ResponseModel

from channel_svc.channels.windows import PostingWindow, zone
from channel_svc.feeds.service import feed_path
from channel_svc.models import Channel
from channel_svc.platforms.catalogue import get_platform
from channel_svc.rendering.checks import Violation
from channel_svc.rendering.render import MediaFacts, Rendered

Tag = str
TRACK_LINKS_HELP = (
    "Replace each link of a post by a tracked short link (/l/{code}, with UTM parameters and "
    "click counts). null: the default, on where the platform allows links (on Weibo only when "
    "the public short-link domain is under the channel's safe domain); never on platforms "
    "that forbid outside links."
)


def _check_tags(tags: list[str]) -> list[str]:
    cleaned = [tag.strip().lstrip("#").strip() for tag in tags]
    if any(not tag or len(tag) > 30 for tag in cleaned):
        raise ValueError("each tag has 1 to 30 characters")
    return list(dict.fromkeys(cleaned))


def _check_zone(value: str) -> str:
    zone(value)
    return value


class _ChannelSettings(RequestModel):
    signature: str | None = Field(
        default=None, max_length=500, description="Appended to every post (manual, WeChat)."
    )
    default_tags: list[Tag] = Field(default_factory=list, max_length=10)
    posting_windows: list[PostingWindow] = Field(
        default_factory=list,
        max_length=21,
        description="When posts may go out; empty: any time. Outside a window a distribution "
        "is `scheduled` for the next opening.",
    )
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    track_links: bool | None = Field(default=None, description=TRACK_LINKS_HELP)

    _tags = field_validator("default_tags")(_check_tags)
    _zone = field_validator("timezone")(_check_zone)


class ChannelCreate(_ChannelSettings):
    platform: str = Field(min_length=1, max_length=32, examples=["webhook"])
    name: str = Field(min_length=1, max_length=200, examples=["Partner CMS"])
    config: dict[str, Any] = Field(
        default_factory=dict,
        description='Platform settings; for `webhook`: `{"url": "https://..."}`; for '
        '`wechat_oa`: `{"base_url"?, "author"?, "link_template"?, "account_type"?}` '
        "(`subscription`, the default, or `service`: how often it may mass-send); for "
        "`weibo`: "
        '`{"safe_domain", "link_template", "base_url"?}` (an https `base_url`: the '
        "credentials are sent to it); see GET /api/v1/platforms.",
        examples=[{"url": "https://cms.example.com/hooks/mediaops"}],
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        description="Webhook signing secret; stored encrypted, never returned.",
        examples=["a-long-shared-secret-1234"],
    )
    credentials: dict[str, Any] | None = Field(
        default=None,
        description="API platforms' credentials, stored encrypted, never returned: "
        '`wechat_oa` `{"appid", "secret"}`; `weibo` `{"access_token", "uid", "app_key"?, '
        '"app_secret"?, "refresh_token"?}`.',
    )


class ChannelUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = Field(
        default=None,
        description="The whole new config. For `wechat_oa` and `weibo`, a config whose "
        "`base_url` differs from the stored one needs `credentials` in the same request "
        "(422 naming `credentials` otherwise): the credentials are sent to that address. "
        "`base_url` must be https unless private addresses are allowed (the local demo).",
    )
    secret: str | None = Field(default=None, min_length=16, max_length=256)
    credentials: dict[str, Any] | None = Field(
        default=None,
        description="New credentials; a `needs_reauth` channel becomes active. Required "
        "with a config that changes where they are sent (`base_url`).",
    )
    signature: str | None = Field(default=None, max_length=500)
    default_tags: list[Tag] | None = Field(default=None, max_length=10)
    posting_windows: list[PostingWindow] | None = Field(default=None, max_length=21)
    timezone: str | None = Field(default=None, max_length=64)
    track_links: bool | None = Field(
        default=None, description=f"{TRACK_LINKS_HELP} Send null to go back to the default."
    )
    status: str | None = Field(
        default=None,
        pattern="^(active|disabled)$",
        description="active or disabled",
        examples=["disabled"],
    )

    @field_validator("default_tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_tags(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _check_zone(value)


class ChannelRead(ResponseModel):
    id: str
    platform: str
    mode: str = Field(description="api, manual, webhook or feed")
    name: str
    config: dict[str, Any]
    status: str = Field(examples=["active"], description="active, needs_reauth or disabled")
    status_reason: str | None = Field(description="Why the channel is not active, if it is not.")
    has_secret: bool
    signature: str | None
    default_tags: list[str]
    posting_windows: list[dict[str, Any]]
    timezone: str
    track_links: bool | None = Field(description=TRACK_LINKS_HELP)
    feed_path: str | None = Field(
        default=None,
        description=(
            "Feed channels: the public feed's path under the public address "
            "(`MEDIAOPS_PUBLIC_URL`); RSS 2.0, `?format=atom` for Atom."
        ),
    )
    quota_blocked_until: datetime | None = Field(
        default=None,
        description=(
            "The platform said the account's quota is spent: its distributions wait, "
            "without calling it, until this time (sending one again by hand lifts it)."
        ),
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> ChannelRead:
        platform = get_platform(channel.platform)
        return cls(
            id=channel.id,
            platform=channel.platform,
            mode=platform.mode.value if platform else "unknown",
            name=channel.name,
            config=channel.config,
            status=channel.status,
            status_reason=channel.status_reason,
            has_secret=channel.secret_encrypted is not None,
            signature=channel.signature,
            default_tags=list(channel.default_tags or []),
            posting_windows=list(channel.posting_windows or []),
            timezone=channel.timezone,
            track_links=channel.track_links,
            feed_path=feed_path(channel.feed_token) if channel.feed_token else None,
            quota_blocked_until=channel.quota_spent_until(utcnow()),
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


class PreviewRequest(RequestModel):
    """A post to check: the id of a post already published to this workspace, or its fields."""

    post_id: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=500)
    body_markdown: str | None = Field(default=None, max_length=200_000)
    body_html: str | None = Field(default=None, max_length=400_000)
    summary: str | None = Field(default=None, max_length=2000)
    cover_url: str | None = Field(default=None, max_length=2048)
    tags: list[str] = Field(default_factory=list, max_length=50)
    media: list[MediaFacts] = Field(
        default_factory=list,
        max_length=50,
        description="The post's media list in order, as `GET /media/{id}` describes each "
        "item; checked against the platform's media rules.",
    )


class PreviewRead(ResponseModel):
    channel_id: str
    platform: str
    rendered: Rendered
    violations: list[Violation]
    ok: bool = Field(description="True when nothing would stop the post on this platform.")
    checklist: list[str] = Field(description="The platform's rules, for a manual hand-off.")
