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

    name: str | None = Field(
        default=None, min_length=1, max_length=NAME_MAX, examples=["春季新品-封面.jpg"]
    )
    tags: Labels | None = Field(
        default=None,
        max_length=MAX_LABELS,
        description="Replaces all.",
        examples=[["春季", "封面"]],
    )


class MediaFilter(BaseModel):
    """The list's filters (query parameters); absent ones do not filter."""

    q: str | None = Field(
        default=None, min_length=1, max_length=200, description="Text in the name or a tag"
    )
    tag: str | None = Field(default=None, min_length=1, max_length=50)
    kind: MediaKind | None = None


class MediaRead(ResponseModel):
    id: str = Field(examples=["0b6f3a52-5a8e-4c1e-9d0e-2f4d9b1c7a11"])
    name: str = Field(
        description="The uploaded file's name (for people; never its type).",
        examples=["春季新品-封面.jpg"],
    )
    kind: MediaKind
    format: Literal["jpeg", "png", "gif", "webp", "mp4"]
    content_type: str = Field(examples=["image/jpeg"])
    size_bytes: int = Field(
        description="Of the file as stored (an image without location).", examples=[482113]
    )
    width: int = Field(examples=[1080])
    height: int = Field(examples=[1440])
    duration_seconds: float | None = Field(description="Videos only.", examples=[None, 15.2])
    sha256: str = Field(description="Of the uploaded bytes: one item per content.")
    tags: list[str] = Field(examples=[["春季", "封面"]])
    created_by: str
    created_at: datetime
    url: str = Field(description="The file, for a limited time (`urls_expire_at`).")
    thumbnail_url: str = Field(
        description="A JPEG at most 320×320: the image made small, or a video's first frame."
    )
    urls_expire_at: datetime
