"""Properties every rendering keeps, whatever an editor writes (hypothesis)."""

from __future__ import annotations

from html.parser import HTMLParser

from channel_svc.platforms.catalogue import BodyFormat, Platform, get_platform
from channel_svc.rendering.render import (
    WEIBO_LIMIT,
    ChannelStyle,
    PostContent,
    markdown_to_html,
    render,
)
from hypothesis import given, settings
from hypothesis import strategies as st

# Chinese and Latin prose with Markdown and HTML markup mixed in, and some hostile bits.
fragments = st.sampled_from(
    [
        "新品发布",
        "咖啡豆来自云南。",
        "# 标题\n",
        "- 列表项\n",
        "**加粗**",
        "[链接](https://example.com/a?b=1)",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[坏链接](javascript:alert(1))",
        "\n\n",
        "Plain English text. ",
        "#话题#",
        "😀",
    ]
)
markdown = st.lists(fragments, max_size=40).map("".join)
titles = st.text(alphabet=st.sampled_from("秋季新品上市咖啡ABC 123！"), max_size=80)
tags = st.lists(st.sampled_from(["咖啡", "新品", "生活方式", "coffee"]), max_size=6)
signatures = st.one_of(st.none(), st.sampled_from(["—— 星辰咖啡", "Follow us <b>now</b>"]))


def platform(key: str) -> Platform:
    found = get_platform(key)
    assert found is not None, key
    return found


def content(title: str, body: str, post_tags: list[str]) -> PostContent:
    return PostContent(
        title=title, body_markdown=body, body_html=markdown_to_html(body), tags=tuple(post_tags)
    )


@settings(max_examples=150, deadline=None)
@given(title=titles, body=markdown, post_tags=tags, signature=signatures)
def test_weibo_text_always_fits_140_characters_with_its_link(
    title: str, body: str, post_tags: list[str], signature: str | None
) -> None:
    link = "https://www.example.com/p/1"
    rendered = render(
        platform("weibo"),
        content(title, body, post_tags),
        ChannelStyle(signature=signature, link=link),
    )
    head = f"【{title.strip()}】" if title.strip() else ""
    if len(head) + len(link) + 1 <= WEIBO_LIMIT - 40:  # room for the link and the tags
        assert len(rendered.body) <= WEIBO_LIMIT
        assert rendered.body.endswith(link)


class Markup(HTMLParser):
    """The elements and attributes a browser would act on (text is only text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


@settings(max_examples=150, deadline=None)
@given(title=titles, body=markdown, signature=signatures)
def test_html_renderings_never_carry_scripts_or_event_handlers(
    title: str, body: str, signature: str | None
) -> None:
    for key in ("wechat_oa", "zhihu", "toutiao", "baijiahao"):
        rendered = render(platform(key), content(title, body, []), ChannelStyle(signature))
        if rendered.format is not BodyFormat.HTML:
            continue
        markup = Markup()
        markup.feed(rendered.body)
        assert "script" not in markup.tags
        assert not [name for name, _ in markup.attributes if name.startswith("on")]
        assert not [
            value
            for name, value in markup.attributes
            if name in ("href", "src") and value.strip().lower().startswith("javascript:")
        ]
        if signature:
            assert "b" not in markup.tags  # the signature is text, escaped


@settings(max_examples=150, deadline=None)
@given(title=titles, body=markdown, post_tags=tags)
def test_xiaohongshu_hashtags_are_written_its_way(
    title: str, body: str, post_tags: list[str]
) -> None:
    rendered = render(platform("xiaohongshu"), content(title, body, post_tags), ChannelStyle())
    for tag in dict.fromkeys(post_tags):
        assert f"#{tag} " in rendered.hashtags + " "
