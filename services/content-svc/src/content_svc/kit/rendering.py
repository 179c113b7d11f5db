"""Markdown to safe HTML: CommonMark (plus tables and strikethrough), then sanitised.

Raw HTML in the Markdown is allowed by CommonMark, so the rendered HTML is never trusted:
nh3 keeps a fixed set of tags and attributes, drops `<script>`/`<style>` with their
content, every event handler and any URL that is not http(s) or mailto, and gives links
`rel="noopener noreferrer"`. An image's `media:<id>` (an item of the media library, see
`posts.markdown`) stays as written: its URL is signed when the post is read or sent.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])

MEDIA_SCHEME = "media"
_URL_SCHEMES = {"http", "https", "mailto", MEDIA_SCHEME}

_ATTRIBUTES = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
# Column alignment of tables (markdown-it writes `style="text-align:..."`) and the
# language of fenced code blocks survive; nothing else of `style` or `class` does.
for _cell in ("th", "td"):
    _ATTRIBUTES.setdefault(_cell, set()).add("style")
_ATTRIBUTES.setdefault("code", set()).add("class")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if value.startswith(f"{MEDIA_SCHEME}:") and not (tag == "img" and attribute == "src"):
        return None  # a library item is an image, never a link
    if tag == "code" and attribute == "class":
        languages = [name for name in value.split() if name.startswith("language-")]
        return " ".join(languages) or None
    return value


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=_URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def render_markdown(markdown: str) -> str:
    """The safe HTML of `markdown`, ready to show or to send to a platform."""
    return sanitise_html(_markdown.render(markdown))


_SPACES = re.compile(r"\s+")


def plain_text(value: Any) -> str:
    """Text without markup (scripts and all), entities decoded, whitespace collapsed."""
    if not isinstance(value, str):
        return ""
    stripped = nh3.clean(value, tags=set(), clean_content_tags={"script", "style"})
    return _SPACES.sub(" ", html.unescape(stripped)).strip()
