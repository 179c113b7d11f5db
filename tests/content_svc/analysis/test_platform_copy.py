"""content-svc's copy of the platforms' rules equals channel-svc's catalogue, so that the
analysis calls an error exactly what a publication would be refused for."""

from __future__ import annotations

from channel_svc.platforms.catalogue import PLATFORMS, Mode
from content_svc.analysis.media import MEDIA_LIMITS
from content_svc.analysis.platforms import TITLE_LIMITS


def test_the_media_rules_and_title_limits_are_the_catalogues() -> None:
    social = [p for p in PLATFORMS if p.mode in (Mode.API, Mode.MANUAL)]
    assert set(MEDIA_LIMITS) == {p.key for p in social}
    for platform in social:
        rules, copy = platform.rules, MEDIA_LIMITS[platform.key]
        assert (copy.cover_required, copy.images_max) == (
            rules.cover_required,
            rules.images_max,
        ), platform.key
        assert {
            "need": copy.need,
            "videos_max": copy.videos_max,
            "mixed": copy.mixed,
            "image_types": copy.image_types,
            "image_max_bytes": copy.image_max_bytes,
            "video_types": copy.video_types,
            "video_max_bytes": copy.video_max_bytes,
            "video_max_seconds": copy.video_max_seconds,
            "aspect": copy.aspect,
        } == dict(rules.media), platform.key
        if platform.key != "weibo":  # Weibo has no title: the whole text counts
            assert TITLE_LIMITS[platform.key] == rules.title_max, platform.key
