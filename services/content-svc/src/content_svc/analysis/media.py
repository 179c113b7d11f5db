"""The platforms' media rules, for the analysis of a post's media list.

content-svc's copy of the media rules in channel-svc's platform catalogue (which follows
PLATFORMS.md and the platforms' documents), as `platforms.TITLE_LIMITS` is of the title
limits; `tests/content_svc/analysis/test_platform_copy.py` keeps the two equal. The codes
are the pre-publish check's, so that what the analysis calls an error is what channel-svc
refuses when the post is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

from content_svc.analysis.findings import Draft, Finding, MediaFacts, PlacedMedium, Report
from content_svc.analysis.platforms import ALIASES

MB = 1024 * 1024
JPEG, PNG, GIF, WEBP, MP4 = "image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"


@dataclass(frozen=True)
class MediaLimits:
    cover_required: bool = True
    need: Literal["none", "any", "video"] = "none"
    images_max: int | None = None
    videos_max: int | None = 0
    mixed: bool = True
    image_types: tuple[str, ...] | None = (JPEG, PNG, GIF, WEBP)
    image_max_bytes: int | None = None
    video_types: tuple[str, ...] | None = None
    video_max_bytes: int | None = None
    video_max_seconds: float | None = None
    aspect: tuple[str, str] | None = None


_ARTICLE = MediaLimits()  # pictures in the body, a cover, no uploaded video
_NOTE = MediaLimits(
    need="any", videos_max=1, mixed=False, image_types=(JPEG, PNG, WEBP), video_types=(MP4,)
)
_VIDEO = MediaLimits(need="video", videos_max=1, image_types=(JPEG, PNG), video_types=(MP4,))

MEDIA_LIMITS: Final[dict[str, MediaLimits]] = {
    "wechat_oa": replace(_ARTICLE, image_types=(JPEG, PNG, GIF), image_max_bytes=10 * MB),
    "weibo": MediaLimits(cover_required=False, images_max=9, image_types=(JPEG, GIF, PNG)),
    "toutiao": replace(_ARTICLE, images_max=100),
    "zhihu": replace(_ARTICLE, cover_required=False),
    "xiaohongshu": replace(
        _NOTE,
        images_max=18,
        image_max_bytes=20 * MB,
        video_max_seconds=15 * 60,
        aspect=("3:4", "4:3"),
    ),
    "douyin": replace(_NOTE, images_max=12, video_max_seconds=60 * 60, aspect=("9:16", "16:9")),
    "bilibili": _ARTICLE,
    "baijiahao": _ARTICLE,
    "dayu": _ARTICLE,
    "douban": replace(_ARTICLE, cover_required=False),
    "ximalaya": _ARTICLE,
    "yidian": _ARTICLE,
    "netease": _ARTICLE,
    "qingting": _ARTICLE,
    "lizhi": _ARTICLE,
    "kuaishou": replace(_NOTE, images_max=12, video_max_seconds=15 * 60),
    "wechat_channels": replace(_NOTE, images_max=9, video_max_seconds=60 * 60),
    "meipai": replace(_VIDEO, video_max_seconds=5 * 60),
    "xigua": replace(_VIDEO, video_max_seconds=2 * 60 * 60),
    "tieba": replace(_ARTICLE, cover_required=False),
    "jianshu": replace(_ARTICLE, cover_required=False),
    "taobao_weitao": replace(_NOTE, need="none", images_max=9),
}


def _ratio(ratio: str) -> float:
    width, _, height = ratio.partition(":")
    return float(width) / float(height)


class _Findings:
    """Adds one platform's media findings to the report."""

    def __init__(self, report: Report, platform: str) -> None:
        self.report, self.platform = report, platform

    def add(
        self,
        code: str,
        message: str,
        index: int | None = None,
        item: MediaFacts | None = None,
        *,
        field: str = "media_ids",
        placed: PlacedMedium | None = None,
    ) -> None:
        where = f"media {index} ({item.media_id}): " if index is not None and item else ""
        if placed is not None:
            item, field = placed.item, "body_markdown"
            where = f"the image at {placed.start} of the body ({item.media_id}): "
        self.report.add(
            Finding(
                code=code,
                severity="error",
                message=f"{self.platform}: {where}{message}",
                field=field if index is None else f"{field}.{index}",
                start=placed.start if placed else None,
                end=placed.end if placed else None,
                platform=self.platform,
                media_id=item.media_id if item else None,
            )
        )


def _list(out: _Findings, limits: MediaLimits, draft: Draft) -> None:
    media = draft.media
    images = [(i, m) for i, m in enumerate(media) if m.kind == "image"]
    videos = [(i, m) for i, m in enumerate(media) if m.kind == "video"]
    if limits.cover_required and not draft.cover_url and not media:
        message = "needs a cover image: a cover_url, or an image in the media"
        out.add("cover_missing", message, field="cover_url")
    if limits.need == "any" and not media and not draft.cover_url:  # the cover: one image
        out.add("media_missing", "needs images or a video; the post has neither")
    if limits.need == "video" and not videos:
        out.add("video_missing", "needs a video")
    if limits.videos_max == 0:
        for i, item in videos:
            out.add("video_not_accepted", "takes no uploaded video", i, item)
    elif limits.videos_max is not None and len(videos) > limits.videos_max:
        i, item = videos[limits.videos_max]
        out.add("too_many_videos", f"takes {limits.videos_max} video(s)", i, item)
    if limits.images_max is not None and len(images) > limits.images_max:
        i, item = images[limits.images_max]
        out.add("too_many_images", f"allows {limits.images_max} images", i, item)
    if not limits.mixed and images and videos:
        i, item = next((i, m) for i, m in enumerate(media) if m.kind != media[0].kind)
        out.add("media_mixed", "takes images or a video, not both in one post", i, item)


def _item(
    out: _Findings,
    limits: MediaLimits,
    index: int | None,
    item: MediaFacts,
    placed: PlacedMedium | None = None,
) -> None:
    """The item's own findings: at `index` of the media list, or `placed` in the body
    (where the aspect ratio, which is a note's picture set's, does not apply)."""

    def add(code: str, message: str) -> None:
        out.add(code, message, index, item, placed=placed)

    video = item.kind == "video"
    if video and placed is not None:
        add("media_format_not_accepted", "shows no video where the body places an image")
        return
    types = limits.video_types if video else limits.image_types
    if types is not None and item.content_type not in types:
        add("media_format_not_accepted", f"does not take {item.content_type}")
    max_bytes = limits.video_max_bytes if video else limits.image_max_bytes
    if max_bytes is not None and item.size_bytes > max_bytes:
        add("media_too_large", f"takes at most {max_bytes // MB} MB")
    seconds, longest = item.duration_seconds or 0, limits.video_max_seconds
    if video and longest is not None and seconds > longest:
        add("video_too_long", f"takes at most {longest:.0f} s ({seconds:.0f} s)")
    if limits.aspect is not None and placed is None and item.width > 0 and item.height > 0:
        narrowest, widest = limits.aspect
        if not _ratio(narrowest) <= item.width / item.height <= _ratio(widest):
            add(
                "media_aspect_ratio",
                f"shows {narrowest} to {widest}, not {item.width}×{item.height}",
            )


def check_media(report: Report, draft: Draft, platforms: Sequence[str]) -> None:
    """Each platform's media findings: the list's, then each item's in order, then each
    image the body places that the list does not hold (by its position in the body)."""
    for platform in platforms:
        limits = MEDIA_LIMITS.get(ALIASES.get(platform, platform))
        if limits is None:
            continue
        out = _Findings(report, platform)
        _list(out, limits, draft)
        for index, item in enumerate(draft.media):
            _item(out, limits, index, item)
        for placed in draft.placed:
            _item(out, limits, None, placed.item, placed)
