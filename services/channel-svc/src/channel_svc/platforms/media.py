"""What a platform accepts of a post's media (images and videos from the library).

Part of each platform's `Rules` in the catalogue; `rendering.media_checks` applies them.
`None` means no limit known. Ratios are width:height, as operators say them ("3:4").
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

MB = 1024 * 1024
JPEG, PNG, GIF, WEBP, MP4 = "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"


class MediaNeed(StrEnum):
    NONE = "none"  # a post may go without media
    ANY = "any"  # at least one image or a video (an image note or a video)
    VIDEO = "video"  # a video


def ratio_value(ratio: str) -> float:
    """`"3:4"` as width / height."""
    width, _, height = ratio.partition(":")
    return float(width) / float(height)


class MediaRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    need: MediaNeed = MediaNeed.NONE
    videos_max: int | None = Field(default=None, description="Videos in one post.")
    mixed: bool = Field(default=True, description="Whether images and a video go together.")
    image_types: tuple[str, ...] | None = Field(default=None, description="Accepted formats.")
    image_max_bytes: int | None = None
    video_types: tuple[str, ...] | None = None
    video_max_bytes: int | None = None
    video_max_seconds: float | None = None
    aspect: tuple[str, str] | None = Field(
        default=None,
        description="The narrowest and the widest width:height an image or video may have.",
    )

    @field_validator("aspect")
    @classmethod
    def _ordered(cls, aspect: tuple[str, str] | None) -> tuple[str, str] | None:
        if aspect is not None and ratio_value(aspect[0]) > ratio_value(aspect[1]):
            raise ValueError("the narrowest ratio comes first")
        return aspect
