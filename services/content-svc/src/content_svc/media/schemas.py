"""Request and response models of the media library API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.posts.schemas import MAX_LABELS, Labels

NAME_MAX = 255
MediaKind = Literal["image", "video"]
Variant = Literal["original", "thumbnail"]


class MediaUpdate(RequestModel):
    """Only the fields that change."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    tags: Labels | None = Field(default=None, max_length=MAX_LABELS, description="Replaces all.")


class MediaFilter(BaseModel):
    """The list's filters (query parameters); absent ones do not filter."""

    q: str | None = Field(
        default=None, min_length=1, max_length=200, description="Text in the name or a tag"
    )
    tag: str | None = Field(default=None, min_length=1, max_length=50)
    kind: MediaKind | None = None


class MediaRead(ResponseModel):
    id: str
    name: str = Field(description="The uploaded file's name (for people; never its type).")
    kind: MediaKind
    format: Literal["jpeg", "png", "gif", "webp", "mp4"]
    content_type: str
    size_bytes: int = Field(description="Of the file as stored (an image without location).")
    width: int
    height: int
    duration_seconds: float | None = Field(description="Videos only.")
    sha256: str = Field(description="Of the uploaded bytes: one item per content.")
    tags: list[str]
    created_by: str
    created_at: datetime
    url: str = Field(description="The file, for a limited time (`urls_expire_at`).")
    thumbnail_url: str = Field(
        description="A JPEG at most 320×320: the image made small, or a video's first frame."
    )
    urls_expire_at: datetime
