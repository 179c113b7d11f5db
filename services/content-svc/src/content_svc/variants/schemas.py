"""Request and response models of a post's per-channel versions."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, model_validator
from servicekit.schemas import RequestModel, ResponseModel

from content_svc.models import SUMMARY_MAX
from content_svc.posts.schemas import (
    MAX_LABELS,
    MAX_MEDIA,
    MEDIA_IDS_DOC,
    Labels,
    Markdown,
    MediaRef,
    Summary,
    Title,
)

OVERRIDES = ("title", "summary", "body_markdown", "tags", "media_ids")


class VariantWrite(RequestModel):
    """The fields that differ on this channel; a field left out (or null) is the post's own
    at the time it is sent."""

    version: int | None = Field(
        default=None,
        ge=1,
        description="The variant's version this change started from; absent to create it "
        "(a 409 when another editor created or changed it meanwhile).",
    )
    title: Title | None = None
    summary: Summary = Field(default=None, max_length=SUMMARY_MAX)
    body_markdown: Markdown | None = None
    tags: Labels | None = Field(default=None, max_length=MAX_LABELS)
    media_ids: list[MediaRef] | None = Field(
        default=None,
        max_length=MAX_MEDIA,
        description=MEDIA_IDS_DOC + " The channel's own list ([] for none); null: the post's.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "发布会三大亮点",
                    "body_markdown": "三大亮点，一图看懂！",
                    "tags": ["新品"],
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _overrides_something(self) -> VariantWrite:
        if all(getattr(self, name) is None for name in OVERRIDES):
            raise ValueError(f"a variant overrides at least one of {', '.join(OVERRIDES)}")
        return self


class VariantRead(ResponseModel):
    """A post's version for one channel: the fields it overrides (null: the post's own)."""

    post_id: str
    channel_id: str
    version: int
    title: str | None
    summary: str | None
    body_markdown: str | None
    body_html: str | None
    tags: list[str] | None
    media_ids: list[str] | None = Field(description="The channel's own media; null: the post's.")
    editor_id: str
    updated_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "post_id": "0b6f3c1e-6a0e-4a53-9d55-2f1b8f6a9c01",
                    "channel_id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                    "version": 2,
                    "title": "发布会三大亮点",
                    "summary": None,
                    "body_markdown": "三大亮点，一图看懂！",
                    "body_html": "<p>三大亮点，一图看懂！</p>\n",
                    "tags": None,
                    "media_ids": None,
                    "editor_id": "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
                    "updated_at": "2026-12-07T06:00:00Z",
                }
            ]
        }
    )
