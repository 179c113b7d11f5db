"""Each platform's format, and the pre-publish check with its exact positions."""

from __future__ import annotations

from channel_svc.platforms.catalogue import get_platform
from channel_svc.rendering.checks import check, scanner_for
from channel_svc.rendering.render import (
    ChannelStyle,
    PostContent,
    body_images,
    markdown_to_html,
    render,
)
from textkit import ScanWord


def post(**fields: object) -> PostContent:
    markdown = str(
        fields.pop(
            "body_markdown",
            "## 亮点\n\n新品上市，欢迎体验。\n\n![图](https://cdn.example.com/a.png)",
        )
    )
    values: dict[str, object] = {
        "title": "春季新品发布会回顾",
        "body_markdown": markdown,
        "body_html": markdown_to_html(markdown),
        "cover_url": "https://cdn.example.com/cover.png",
        "tags": ("新品", "发布会"),
        "post_id": "p-1",
    }
    values.update(fields)
    return PostContent(**values)  # type: ignore[arg-type]


STYLE = ChannelStyle(
    signature="— 品牌官方", default_tags=("春季",), link="https://www.example.com/posts/p-1"
)


def platform(key: str):  # type: ignore[no-untyped-def]
    found = get_platform(key)
    assert found is not None
    return found


def test_wechat_html_has_inline_styles_no_scripts_and_the_signature() -> None:
    content = post(body_html='<p onclick="x()">正文</p><script>alert(1)</script><h2>小标题</h2>')
    rendered = render(platform("wechat_oa"), content, STYLE)
    assert "<script" not in rendered.body
    assert "onclick" not in rendered.body
    assert '<p style="font-size:16px' in rendered.body
    assert '<h2 style="font-size:20px' in rendered.body
    assert "— 品牌官方" in rendered.body
    assert rendered.summary is not None
    assert len(rendered.summary) <= 128


def test_weibo_text_fits_140_characters_with_the_canonical_link() -> None:
    long_body = "这是一段很长的正文。" * 40
    rendered = render(platform("weibo"), post(body_markdown=long_body, body_html=""), STYLE)
    assert len(rendered.body) <= 140
    assert rendered.body.endswith("https://www.example.com/posts/p-1")
    assert rendered.body.startswith("【春季新品发布会回顾】")
    assert "#新品##发布会##春季#" in rendered.body
    assert "…" in rendered.body


def test_xiaohongshu_plain_text_with_trailing_space_hashtags_and_signature() -> None:
    rendered = render(platform("xiaohongshu"), post(), STYLE)
    assert "<" not in rendered.body
    assert "#新品 #发布会 #春季" in rendered.body
    assert rendered.body.rstrip().endswith("— 品牌官方")
    zhihu = render(platform("zhihu"), post(), STYLE)
    assert zhihu.body.startswith("## 亮点")  # Markdown stays Markdown


def test_every_violation_is_reported_with_its_field_and_position() -> None:
    body = "我们是行业第一的品牌。\n\n详情见 https://shop.other.com/x 或扫码关注。"
    content = post(
        title="这是一个非常非常长的标题，超过了小红书二十个字的限制吧",
        body_markdown=body,
        body_html=markdown_to_html(body),
        cover_url=None,
    )
    scanner = scanner_for([ScanWord("品牌", "custom")])
    xhs = platform("xiaohongshu")
    rendered = render(xhs, content, ChannelStyle())
    found = check(xhs, content, ChannelStyle(), rendered, scanner)
    codes = {(v.code, v.field) for v in found}
    assert ("title_too_long", "title") in codes
    assert ("cover_missing", "cover_url") in codes
    assert ("link_not_allowed", "body") in codes
    assert ("qr_code_not_allowed", "body") in codes
    first = next(v for v in found if v.word == "第一")
    assert (first.field, first.position, first.category) == (
        "body",
        body.index("第一"),
        "advertising_law",
    )
    custom = [v for v in found if v.category == "custom" and v.field == "body"]
    assert [v.position for v in custom] == [body.index("品牌")]
    link = next(v for v in found if v.code == "link_not_allowed")
    assert link.position == body.index("https://")


def test_weibo_links_must_be_under_the_safe_domain() -> None:
    body = "看这里 https://evil.com/x"
    content = post(body_markdown=body, body_html=markdown_to_html(body))
    weibo = platform("weibo")
    rendered = render(weibo, content, STYLE)
    found = check(weibo, content, STYLE, rendered, scanner_for([]), safe_domain="example.com")
    assert [v.code for v in found] == ["link_outside_safe_domain"]
    no_link = render(weibo, post(), ChannelStyle())
    missing = check(
        weibo, post(), ChannelStyle(), no_link, scanner_for([]), safe_domain="example.com"
    )
    assert "safe_link_missing" in {v.code for v in missing}


def test_a_clean_post_passes_on_wechat() -> None:
    wechat = platform("wechat_oa")
    rendered = render(wechat, post(), STYLE)
    assert check(wechat, post(), STYLE, rendered, scanner_for([])) == []


def test_a_signed_image_url_in_angle_brackets_is_one_image_at_its_address() -> None:
    """content-svc writes a library image's signed URL as `![a](<url>)` in the Markdown
    and as `src` in the HTML: the platforms get one image at that address."""
    url = "https://media.example.com/m/1.png?expires=1700000000&sig=a_b-c"
    markdown = f"正文\n\n![图](<{url}>)\n\n![二](https://cdn.example.com/b.png)"
    content = post(body_markdown=markdown)
    assert body_images(content) == [url, "https://cdn.example.com/b.png"]
