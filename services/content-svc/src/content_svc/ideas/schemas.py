"""Request and response models of the ideas API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, UrlConstraints
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.models import TITLE_MAX, URL_MAX
from content_svc.posts.schemas import MAX_LABELS, CampaignRef, Label, Labels

IdeaStatus = Literal["new", "shortlisted", "used", "discarded"]
IdeaOrigin = Literal["source_entry", "manual", "user_need"]
Link = Annotated[HttpUrl, UrlConstraints(max_length=URL_MAX)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
NOTES_MAX = 10_000
SUMMARY_MAX = 2000


class IdeaCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "春季穿搭：通勤也能出彩",
                    "summary": "读者私信里问得最多的搭配问题",
                    "link": "https://example.com/trends/spring-outfits",
                    "tags": ["穿搭", "春季"],
                    "notes": "配三张实拍图",
                }
            ]
        }
    )

    title: Title
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)
    link: Link | None = None
    tags: Labels = Field(default_factory=list, max_length=MAX_LABELS)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    campaign_id: CampaignRef | None = Field(
        default=None, description="The campaign the idea is for (its post will be too)."
    )


class IdeaUpdate(RequestModel):
    title: Title | None = None
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)
    tags: Labels | None = Field(default=None, max_length=MAX_LABELS)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    status: Literal["new", "shortlisted", "discarded"] | None = Field(
        default=None, description="`used` is set by starting a post from the idea."
    )
    campaign_id: CampaignRef | None = Field(
        default=None, description="Move the idea to this campaign; null takes it out."
    )


class IdeaFilter(BaseModel):
    """The backlog's filters (query parameters); absent ones do not filter."""

    status: IdeaStatus | None = None
    origin: IdeaOrigin | None = None
    tag: str | None = Field(default=None, min_length=1, max_length=50)
    q: str | None = Field(
        default=None, min_length=1, max_length=200, description="Text in title, summary or notes"
    )
    source_id: str | None = Field(default=None, max_length=64)


class StartPost(RequestModel):
    """Overrides for the draft started from an idea (its title and summary by default)."""

    title: Title | None = None
    keywords: list[Label] = Field(default_factory=list, max_length=MAX_LABELS)


class IdeaRead(ResponseModel):
    id: str
    origin: str
    status: str
    title: str
    summary: str | None
    link: str | None
    tags: list[str]
    notes: str | None
    source_id: str | None
    post_id: str | None
    campaign_id: str | None
    asker_count: int
    sample_questions: list[str]
    keyword: str | None = Field(validation_alias="need_key")
    seen_at: datetime
    created_at: datetime
    updated_at: datetime
