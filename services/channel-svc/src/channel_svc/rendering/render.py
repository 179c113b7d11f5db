"""A post in each platform's format: WeChat HTML with inline styles, Weibo's 140
characters with the canonical link, plain text or Markdown for the manual hand-offs.

Rendering never fails: whatever does not fit is reported by `rendering.checks`, except
where the platform's own format is a fitting (Weibo's excerpt, WeChat's digest).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from channel_svc.platforms.catalogue import BodyFormat, HashtagStyle, Platform

_markdown = MarkdownIt("commonmark")

WEIBO_LIMIT = 140
WECHAT_DIGEST_MAX = 128
ELLIPSIS = "…"
MEDIA_SCHEME = "media:"

# Inline styles WeChat keeps (it strips <style> and class-based CSS).
WECHAT_STYLES: dict[str, str] = {
    "h1": "font-size:22px;font-weight:bold;margin:24px 0 12px;color:#222;",
    "h2": "font-size:20px;font-weight:bold;margin:22px 0 12px;color:#222;",
    "h3": "font-size:18px;font-weight:bold;margin:20px 0 10px;color:#222;",
    "h4": "font-size:16px;font-weight:bold;margin:18px 0 8px;color:#222;",
    "p": "font-size:16px;line-height:1.75;margin:0 0 16px;color:#333;",
    "blockquote": "margin:16px 0;padding:8px 16px;border-left:4px solid #d0d0d0;color:#666;",
    "ul": "margin:0 0 16px;padding-left:24px;",
    "ol": "margin:0 0 16px;padding-left:24px;",
    "li": "font-size:16px;line-height:1.75;color:#333;",
    "img": "max-width:100%;height:auto;display:block;margin:12px auto;",
    "a": "color:#576b95;text-decoration:none;",
    "strong": "font-weight:bold;",
    "em": "font-style:italic;",
    "code": "font-family:Menlo,Consolas,monospace;background:#f6f6f6;padding:2px 4px;",
    "pre": "background:#f6f6f6;padding:12px;overflow-x:auto;font-size:14px;",
    "hr": "border:none;border-top:1px solid #e5e5e5;margin:24px 0;",
    "table": "border-collapse:collapse;width:100%;margin:0 0 16px;",
    "th": "border:1px solid #ddd;padding:6px;background:#f6f6f6;",
    "td": "border:1px solid #ddd;padding:6px;",
}
SIGNATURE_STYLE = "font-size:14px;line-height:1.6;margin:24px 0 0;color:#888;"

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*?)?(\s*/?)>")
_IMG_SRC = re.compile(r"<img\b[^>]*?\ssrc=\"([^\"]+)\"", re.IGNORECASE)
# A destination is bare or in angle brackets (`![a](<url>)`, as content-svc writes a
# signed library URL).
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]*)>|([^)\s]+))")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|tr|div)>|<br\s*/?>|<hr\s*/?>", re.I)
_BLANK_LINES = re.compile(r"\n{3,}")


class MediaFacts(BaseModel):
    """One item of a post's media list, as the library describes it (an item of
    `GET /media` is taken as it is: its `id` is the `media_id`)."""

    model_config = ConfigDict(frozen=True)

    media_id: str = Field(max_length=64, validation_alias=AliasChoices("media_id", "id"))
    kind: str = Field(max_length=10, examples=["image", "video"])
    content_type: str = Field(max_length=100, examples=["image/jpeg"])
    width: int = Field(ge=0)
    height: int = Field(ge=0)
    duration_seconds: float | None = Field(default=None, ge=0)
    size_bytes: int = Field(ge=0)
    url: str | None = Field(default=None, max_length=4096)


@dataclass(frozen=True)
class PostContent:
    """What is rendered: a post's snapshot, or the fields an editor previews."""

    title: str
    body_markdown: str
    body_html: str
    summary: str | None = None
    cover_url: str | None = None
    tags: tuple[str, ...] = ()
    post_id: str | None = None
    media: tuple[MediaFacts, ...] = ()  # in the order the post shows them


@dataclass(frozen=True)
class ChannelStyle:
    """What a channel adds to every post: signature, default tags, the canonical link."""

    signature: str | None = None
    default_tags: tuple[str, ...] = ()
    link: str | None = None
    author: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Rendered(BaseModel):
    platform: str
    format: BodyFormat
    title: str
    body: str
    summary: str | None = None
    tags: list[str]
    hashtags: str = ""
    cover_url: str | None = None
    images: list[str]
    media: list[MediaFacts] = Field(
        default_factory=list, description="The post's media list, in order."
    )
    link: str | None = None
    author: str | None = None


def markdown_to_html(markdown: str) -> str:
    return _markdown.render(markdown)


def html_to_text(fragment: str) -> str:
    """Readable plain text: one line per block, tags dropped, entities decoded."""
    with_breaks = _BLOCK_END.sub(lambda m: m.group(0) + "\n", fragment)
    text = html.unescape(nh3.clean(with_breaks, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def body_images(content: PostContent) -> list[str]:
    markdown = _MD_IMAGE.findall(content.body_markdown)
    in_markdown = [bracketed or bare for bracketed, bare in markdown]
    found = [*_IMG_SRC.findall(content.body_html), *in_markdown]
    # `media:<id>` in the Markdown is a library image whose URL the HTML already carries.
    urls = (html.unescape(url) for url in found if not url.startswith(MEDIA_SCHEME))
    return list(dict.fromkeys(urls))


def cover_of(content: PostContent) -> str | None:
    """The post's cover as the platforms get it: its first library image, or else its
    cover_url (the adapters upload the library file itself when there is one)."""
    first = next((item.url for item in content.media if item.kind == "image" and item.url), None)
    return first or content.cover_url


def has_cover(content: PostContent) -> bool:
    """A cover_url, or a medium to take one from (an image, a video's frame)."""
    return bool(content.cover_url) or bool(content.media)


def merged_tags(content: PostContent, style: ChannelStyle) -> list[str]:
    tags = [tag.strip().lstrip("#").strip() for tag in (*content.tags, *style.default_tags)]
    return list(dict.fromkeys(tag for tag in tags if tag))


def hashtag_line(tags: list[str], hashtag_style: HashtagStyle) -> str:
    if hashtag_style is HashtagStyle.WEIBO:
        return "".join(f"#{tag}#" for tag in tags)
    if hashtag_style is HashtagStyle.TRAILING_SPACE:
        return "".join(f"#{tag} " for tag in tags).rstrip()
    return ""


def _inline_styles(fragment: str) -> str:
    def style(match: re.Match[str]) -> str:
        name, attrs, close = match.group(1), match.group(2) or "", match.group(3) or ""
        css = WECHAT_STYLES.get(name.lower())
        if not css or "style=" in attrs.lower():
            return match.group(0)
        return f'<{name}{attrs} style="{css}"{close}>'

    return _TAG.sub(style, fragment)


def wechat_html(content: PostContent, style: ChannelStyle) -> str:
    # Scripts, event handlers and unknown tags go first, as WeChat would drop them anyway.
    clean = nh3.clean(content.body_html or markdown_to_html(content.body_markdown))
    body = _inline_styles(clean)
    if style.signature:
        signature = html.escape(style.signature).replace("\n", "<br/>")
        body += f'\n<p style="{SIGNATURE_STYLE}">{signature}</p>'
    return f'<section style="padding:0 4px;">{body}</section>'


def _fit(text: str, budget: int) -> str:
    if budget <= 0:
        return ""
    return text if len(text) <= budget else text[: max(budget - 1, 0)] + ELLIPSIS


def weibo_text(content: PostContent, style: ChannelStyle, tags: list[str]) -> str:
    """`【title】excerpt #tag# link`, the excerpt cut so the whole is ≤ 140 characters."""
    head = f"【{content.title.strip()}】" if content.title.strip() else ""
    tail = " ".join(part for part in (hashtag_line(tags, HashtagStyle.WEIBO), style.link) if part)
    source = content.summary or html_to_text(
        content.body_html or markdown_to_html(content.body_markdown)
    )
    excerpt = " ".join(source.split())
    budget = WEIBO_LIMIT - len(head) - (len(tail) + 1 if tail else 0)
    if budget < 0:  # even without an excerpt it does not fit: the check reports it
        return " ".join(part for part in (head, tail) if part)
    text = head + _fit(excerpt, budget)
    return f"{text} {tail}" if tail else text


def render(platform: Platform, content: PostContent, style: ChannelStyle) -> Rendered:
    rules = platform.rules
    tags = merged_tags(content, style)
    hashtags = hashtag_line(tags, rules.hashtag_style)
    summary = content.summary
    if platform.key == "wechat_oa":
        body = wechat_html(content, style)
        digest_source = summary or html_to_text(
            content.body_html or markdown_to_html(content.body_markdown)
        )
        summary = _fit(" ".join(digest_source.split()), WECHAT_DIGEST_MAX)
    elif platform.key == "weibo":
        body = weibo_text(content, style, tags)
    elif rules.body_format is BodyFormat.HTML:
        body = nh3.clean(content.body_html or markdown_to_html(content.body_markdown))
        if style.signature:
            body += f"\n<p>{html.escape(style.signature)}</p>"
    elif rules.body_format is BodyFormat.MARKDOWN:
        parts = [content.body_markdown.strip(), hashtags, style.signature or ""]
        body = "\n\n".join(part for part in parts if part)
    else:
        text = html_to_text(content.body_html or markdown_to_html(content.body_markdown))
        parts = [text, hashtags, style.signature or ""]
        body = "\n\n".join(part for part in parts if part)
    return Rendered(
        platform=platform.key,
        format=rules.body_format,
        title=content.title.strip(),
        body=body,
        summary=summary,
        tags=tags,
        hashtags=hashtags,
        cover_url=cover_of(content),
        images=body_images(content),
        media=list(content.media),
        link=style.link,
        author=style.author,
    )
