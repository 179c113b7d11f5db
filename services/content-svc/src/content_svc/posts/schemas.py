"""Request and response models of the posts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, HttpUrl, StringConstraints, UrlConstraints, field_validator
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.models import BODY_MAX, SUMMARY_MAX, TITLE_MAX, URL_MAX

MAX_LABELS = 30
MAX_CHANNELS = 50

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# Markdown keeps its whitespace: leading spaces make code blocks, trailing ones line breaks.
Markdown = Annotated[str, StringConstraints(strip_whitespace=False, max_length=BODY_MAX)]
CoverUrl = Annotated[HttpUrl, UrlConstraints(max_length=URL_MAX)]
ChannelId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _unique(values: list[str]) -> list[str]:
    """Drop repeated labels (case-insensitively), keeping the first spelling and the order."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


class PostCreate(RequestModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body_markdown: Markdown
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)
    cover_url: CoverUrl | None = None
    tags: list[Label] = Field(default_factory=list, max_length=MAX_LABELS)
    keywords: list[Label] = Field(default_factory=list, max_length=MAX_LABELS)

    @field_validator("summary")
    @classmethod
    def _blank_summary_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("tags", "keywords")
    @classmethod
    def _dedupe(cls, values: list[str]) -> list[str]:
        return _unique(values)


class PublishRequest(RequestModel):
    channel_ids: list[ChannelId] = Field(min_length=1, max_length=MAX_CHANNELS)


class DeliveryFailure(ResponseModel):
    code: str
    message: str
    position: int | None = None


class PostChannelRead(ResponseModel):
    """Where a post went and how it went there (pending until channel-svc reports)."""

    channel_id: str
    platform: str | None
    status: str
    url: str | None
    external_id: str | None
    reasons: list[DeliveryFailure]
    updated_at: datetime


class PostSummary(ResponseModel):
    """A post in a list: everything but the bodies."""

    id: str
    title: str
    summary: str | None
    cover_url: str | None
    tags: list[str]
    keywords: list[str]
    status: str
    version: int
    author_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    channels: list[PostChannelRead]


class PostRead(PostSummary):
    body_markdown: str
    body_html: str
