"""The platform's media rules applied to a post's media list: what it must carry (an image
or a video), how many, which formats, sizes, durations and shapes.

Each problem with one item names it by its place in the list (`field` `media.<index>`,
`media_index`) and its library id (`media_id`); a problem with the list as a whole names
`media`.
"""

from __future__ import annotations

from channel_svc.platforms.catalogue import Platform
from channel_svc.platforms.media import MediaNeed, MediaRules, ratio_value
from channel_svc.rendering.checks import Violation
from channel_svc.rendering.render import MediaFacts, PostContent

MB = 1024 * 1024


def _item(code: str, message: str, index: int, item: MediaFacts) -> Violation:
    return Violation(
        code=code,
        message=f"media {index} ({item.media_id}): {message}",
        field=f"media.{index}",
        media_index=index,
        media_id=item.media_id,
    )


def _size(size_bytes: int) -> str:
    return f"{size_bytes / MB:.1f} MB"


def _count(platform: Platform, content: PostContent) -> list[Violation]:
    """What the list must hold, and how much of it."""
    rules, name, media = platform.rules.media, platform.name, content.media
    images = [(i, item) for i, item in enumerate(media) if item.kind == "image"]
    videos = [(i, item) for i, item in enumerate(media) if item.kind == "video"]
    found: list[Violation] = []
    if rules.need is MediaNeed.ANY and not media and not content.cover_url:
        # A cover given as a URL is the note's one image.
        found.append(
            Violation(
                code="media_missing",
                message=f"{name} needs images or a video; the post has neither",
                field="media",
            )
        )
    if rules.need is MediaNeed.VIDEO and not videos:
        found.append(
            Violation(code="video_missing", message=f"{name} needs a video", field="media")
        )
    if rules.videos_max == 0:
        found += [
            _item("video_not_accepted", f"{name} takes no uploaded video", i, item)
            for i, item in videos
        ]
    elif rules.videos_max is not None and len(videos) > rules.videos_max:
        i, item = videos[rules.videos_max]
        found.append(
            _item(
                "too_many_videos",
                f"the post has {len(videos)} videos; {name} takes {rules.videos_max}",
                i,
                item,
            )
        )
    images_max = platform.rules.images_max
    if images_max is not None and len(images) > images_max:
        i, item = images[images_max]
        found.append(
            _item(
                "too_many_images",
                f"the post has {len(images)} images; {name} allows {images_max}",
                i,
                item,
            )
        )
    if not rules.mixed and images and videos:
        first_kind = media[0].kind
        i, item = next((i, item) for i, item in enumerate(media) if item.kind != first_kind)
        found.append(
            _item(
                "media_mixed",
                f"{name} takes images or a video, not both in one post",
                i,
                item,
            )
        )
    return found


def _one(rules: MediaRules, name: str, index: int, item: MediaFacts) -> list[Violation]:
    """The item's format, size, duration and shape."""
    found: list[Violation] = []
    video = item.kind == "video"
    types = rules.video_types if video else rules.image_types
    if types is not None and item.content_type not in types:
        found.append(
            _item(
                "media_format_not_accepted",
                f"{name} does not take {item.content_type} (it takes {', '.join(types)})",
                index,
                item,
            )
        )
    max_bytes = rules.video_max_bytes if video else rules.image_max_bytes
    if max_bytes is not None and item.size_bytes > max_bytes:
        found.append(
            _item(
                "media_too_large",
                f"the {item.kind} has {_size(item.size_bytes)}; {name} takes at most "
                f"{_size(max_bytes)}",
                index,
                item,
            )
        )
    seconds = item.duration_seconds
    if video and rules.video_max_seconds is not None and (seconds or 0) > rules.video_max_seconds:
        found.append(
            _item(
                "video_too_long",
                f"the video lasts {seconds:.0f} s; {name} takes at most "
                f"{rules.video_max_seconds:.0f} s",
                index,
                item,
            )
        )
    if rules.aspect is not None and item.width > 0 and item.height > 0:
        narrowest, widest = rules.aspect
        shape = item.width / item.height
        if not ratio_value(narrowest) <= shape <= ratio_value(widest):
            found.append(
                _item(
                    "media_aspect_ratio",
                    f"the {item.kind} is {item.width}×{item.height}; {name} shows "
                    f"{narrowest} to {widest}",
                    index,
                    item,
                )
            )
    return found


def check_media(platform: Platform, content: PostContent) -> list[Violation]:
    """Every media problem, the list's first, then each item's in order."""
    rules = platform.rules.media
    found = _count(platform, content)
    for index, item in enumerate(content.media):
        found += _one(rules, platform.name, index, item)
    return found
