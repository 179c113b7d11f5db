"""Finding a post's links, replacing them, adding UTM parameters, choosing who tracks."""

from __future__ import annotations

from typing import Any

import pytest
from channel_svc.links.rewrite import rewrite, targets
from channel_svc.links.service import Tracking, new_code, tracks_links, with_utm
from channel_svc.models import Channel
from channel_svc.platforms.catalogue import get_platform
from channel_svc.rendering.render import PostContent

OWN = "http://127.0.0.1:8000/l/"


def content(**fields: Any) -> PostContent:
    values: dict[str, Any] = {
        "title": "t",
        "body_markdown": "Buy at https://shop.example.com/a?x=1&y=2. "
        "![img](https://cdn.example.com/i.png) [old](http://127.0.0.1:8000/l/AAAAAAAA)",
        "body_html": '<p>Buy at <a href="https://shop.example.com/a?x=1&amp;y=2">'
        "https://shop.example.com/a?x=1&amp;y=2</a>.</p>"
        '<img src="https://cdn.example.com/i.png"><p>见 https://b.example.cn/活动，快来</p>',
    }
    values.update(fields)
    return PostContent(**values)


def test_targets_skip_images_own_links_and_trailing_punctuation() -> None:
    found = targets(content(), own_prefix=OWN)
    assert found == ["https://shop.example.com/a?x=1&y=2", "https://b.example.cn/活动"]


def test_rewrite_replaces_every_spelling_of_a_target() -> None:
    tracked = {
        "https://shop.example.com/a?x=1&y=2": OWN + "Code0001",
        "https://b.example.cn/活动": OWN + "Code0002",
    }
    out = rewrite(content(), tracked)
    assert "shop.example.com" not in out.body_markdown + out.body_html
    assert out.body_markdown.startswith(f"Buy at {OWN}Code0001. ")
    assert f'<a href="{OWN}Code0001">{OWN}Code0001</a>.' in out.body_html
    assert f"见 {OWN}Code0002，快来" in out.body_html
    assert "https://cdn.example.com/i.png" in out.body_markdown + out.body_html
    assert f"{OWN}AAAAAAAA" in out.body_markdown  # already tracked: left alone


def test_utm_parameters_are_added_without_overwriting() -> None:
    params = {"utm_source": "weibo", "utm_medium": "品牌微博", "utm_campaign": "双十一"}
    url = with_utm("https://shop.example.com/p?ref=a%20b&UTM_SOURCE=mail#top", params)
    assert url.startswith("https://shop.example.com/p?ref=a%20b&UTM_SOURCE=mail&")
    assert "utm_source=weibo" not in url
    assert "utm_medium=%E5%93%81%E7%89%8C%E5%BE%AE%E5%8D%9A" in url
    assert url.endswith("#top")
    assert with_utm("https://x.cn", {"utm_source": "feed", "utm_campaign": ""}) == (
        "https://x.cn?utm_source=feed"
    )


@pytest.mark.parametrize(
    ("platform", "config", "setting", "base", "expected"),
    [
        ("webhook", {}, None, "http://127.0.0.1:8000", True),
        ("webhook", {}, False, "http://127.0.0.1:8000", False),
        ("xiaohongshu", {}, True, "http://127.0.0.1:8000", False),  # links forbidden
        ("weibo", {"safe_domain": "example.com"}, None, "https://go.example.com", True),
        ("weibo", {"safe_domain": "example.com"}, None, "http://127.0.0.1:8000", False),
    ],
)
def test_which_channels_track(
    platform: str, config: dict[str, str], setting: bool | None, base: str, expected: bool
) -> None:
    spec = get_platform(platform)
    assert spec is not None
    channel = Channel(platform=platform, config=config, track_links=setting)
    assert tracks_links(spec, channel, Tracking(base)) is expected


def test_codes_are_eight_base62_characters_and_vary() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and code.isalnum() and code.isascii() for code in codes)
