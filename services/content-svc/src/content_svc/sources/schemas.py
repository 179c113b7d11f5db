"""Request and response models of the sources API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, StringConstraints, UrlConstraints
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.models import URL_MAX

SourceKind = Literal["news", "peer", "industry"]
FeedUrl = Annotated[HttpUrl, UrlConstraints(max_length=URL_MAX)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# From every five minutes to once a week.
Interval = Annotated[int, Field(ge=5, le=7 * 24 * 60)]


class SourceCreate(RequestModel):
    kind: SourceKind
    name: Name
    url: FeedUrl
    interval_minutes: Interval = 60
    enabled: bool = True


class SourceUpdate(RequestModel):
    kind: SourceKind | None = None
    name: Name | None = None
    url: FeedUrl | None = None
    interval_minutes: Interval | None = None
    enabled: bool | None = None


class SourceRead(ResponseModel):
    id: str
    kind: str
    name: str
    url: str
    interval_minutes: int
    enabled: bool
    next_fetch_at: datetime
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failure_count: int
    ideas_created: int
    created_at: datetime
    updated_at: datetime


class FetchReport(ResponseModel):
    """What one fetch did: new ideas made, entries read, or why it failed."""

    outcome: Literal["fetched", "not_modified", "failed"]
    new_ideas: int
    entries: int
    error: str | None
    source: SourceRead
