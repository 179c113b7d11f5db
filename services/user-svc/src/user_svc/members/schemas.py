"""The members' request and response models, and the domain's own: `MemberFilter` (what a
search or a segment asks for) and `MemberView` (a member with what the answers show)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from servicekit.schemas import Page, RequestModel, ResponseModel
from servicekit.shapes import shaped

from user_svc.kit.engagement import score_at
from user_svc.models import Member, MemberIdentity

MAX_TAGS = 50
MAX_ATTRIBUTES = 50


def _normalise_tag(tag: str) -> str:
    return tag.strip().lower()


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Platform = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(pattern=r"^[a-z0-9_]{1,32}$"),
    Field(examples=["wechat"], description="wechat, weibo, zhihu, xiaohongshu, douyin, ..."),
]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_normalise_tag),
    Field(examples=["vip"]),
]
AttributeValue = Annotated[str, StringConstraints(max_length=1000)] | int | float | bool
Attributes = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=64)], AttributeValue | None
]
MemberSort = Literal["created", "last_seen", "engagement"]


@dataclass
class MemberFilter:
    """Conditions over a workspace's live members (neither merged away nor erased)."""

    text: str | None = None
    tags_any: Sequence[str] = ()
    tags_all: Sequence[str] = ()
    tags_none: Sequence[str] = ()
    interests_any: Sequence[str] = ()
    platforms_any: Sequence[str] = ()
    min_score: float | None = None
    max_score: float | None = None
    active_within_days: int | None = None
    inactive_for_days: int | None = None
    interacted_with_post: str | None = None
    asked_question_within_days: int | None = None


@dataclass
class MemberView:
    member: Member
    identities: list[MemberIdentity] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    interests: list[tuple[str, float]] = field(default_factory=list)


class IdentityCreate(RequestModel):
    platform: Platform
    external_id: str = Field(
        min_length=1, max_length=200, description="The platform's id (openid, uid ...)"
    )
    handle: str | None = Field(default=None, max_length=200, description="The visible name")


class IdentityRead(ResponseModel):
    id: str
    platform: str
    external_id: str
    handle: str | None


class MemberCreate(RequestModel):
    display_name: str | None = Field(default=None, max_length=200, examples=["小鱼"])
    identities: list[IdentityCreate] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    attributes: Attributes = Field(
        default_factory=dict,
        max_length=MAX_ATTRIBUTES,
        description="Custom fields (city, membership level ...); scalar values.",
    )


class MemberUpdate(RequestModel):
    display_name: str | None = Field(default=None, max_length=200)
    tags: list[Tag] | None = Field(
        default=None, max_length=MAX_TAGS, description="Replaces the tags when given"
    )
    attributes: Attributes | None = Field(
        default=None,
        max_length=MAX_ATTRIBUTES,
        description="Merged into the attributes; a key set to null is removed",
    )


class TagsCreate(RequestModel):
    tags: list[Tag] = Field(min_length=1, max_length=MAX_TAGS)


class MergeRequest(RequestModel):
    other_member_id: str = Field(
        min_length=1, max_length=64, description="Merged into the member of the path"
    )


class Interest(ResponseModel):
    keyword: str
    weight: float = Field(description="Relative to the member's strongest interest (1.0)")


class MemberRead(ResponseModel):
    id: str
    display_name: str | None
    identities: list[IdentityRead]
    tags: list[str]
    attributes: dict[str, AttributeValue | None]
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    engagement_score: float = Field(
        description="Recency-weighted interactions; each one's weight halves every 30 days"
    )
    interaction_count: int
    question_count: int
    interests: list[Interest]
    erased: bool
    created_at: datetime
    updated_at: datetime


def member_read(view: MemberView, now: datetime) -> MemberRead:
    member = view.member
    return shaped(
        MemberRead,
        member,
        identities=[IdentityRead.model_validate(i) for i in view.identities],
        tags=view.tags,
        engagement_score=score_at(member.engagement_raw, now),
        interests=[Interest(keyword=k, weight=w) for k, w in view.interests],
        erased=member.erased_at is not None,
    )


def member_page(page: tuple[list[MemberView], str | None], now: datetime) -> Page[MemberRead]:
    views, next_cursor = page
    return Page[MemberRead](items=[member_read(v, now) for v in views], next_cursor=next_cursor)
