"""Finding a post's links and putting tracked short links in their place.

Only http(s) links are tracked; images (an `<img src>`, a Markdown image) are not links
and stay as they are, and a link that is already a tracked link is left alone. In HTML the
link is read with its entities decoded (`&amp;` is `&`), so the same target written in the
Markdown and in the HTML of a post gets one code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from urllib.parse import urlsplit

from channel_svc.rendering.render import PostContent, body_images

_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}`（）【】，。、；：！？《》]+", re.IGNORECASE)
# Sentence punctuation that ends a URL written in running text ("see https://x.cn/a.").
_TRAILING = ".,;:!?"


def _links_in(text: str, *, is_html: bool) -> Iterator[tuple[int, int, str]]:
    """Each link's span (trailing punctuation excluded) and its target URL."""
    for match in _URL.finditer(text):
        written = match.group(0).rstrip(_TRAILING)
        if is_html and written.endswith("&gt"):  # `&gt;` right after a bare URL in HTML text
            written = written[: -len("&gt")]
        target = html.unescape(written) if is_html else written
        if urlsplit(target).hostname:
            yield match.start(), match.start() + len(written), target


def _wanted(target: str, images: set[str], own_prefix: str) -> bool:
    return target not in images and not target.startswith(own_prefix)


def targets(content: PostContent, *, own_prefix: str) -> list[str]:
    """The post's distinct link targets, in the order they first appear."""
    images = set(body_images(content))
    found: dict[str, None] = {}
    sources = [(content.body_markdown, False), (content.body_html, True)]
    if content.summary:
        sources.append((content.summary, False))
    for text, is_html in sources:
        for _, _, target in _links_in(text, is_html=is_html):
            if _wanted(target, images, own_prefix):
                found.setdefault(target)
    return list(found)


def _rewrite(text: str, tracked: Mapping[str, str], *, is_html: bool) -> str:
    parts: list[str] = []
    last = 0
    for start, end, target in _links_in(text, is_html=is_html):
        short = tracked.get(target)
        if short is not None:
            parts += [text[last:start], short]
            last = end
    parts.append(text[last:])
    return "".join(parts)


def rewrite(content: PostContent, tracked: Mapping[str, str]) -> PostContent:
    """`content` with each tracked target replaced by its short link."""
    if not tracked:
        return content
    return replace(
        content,
        body_markdown=_rewrite(content.body_markdown, tracked, is_html=False),
        body_html=_rewrite(content.body_html, tracked, is_html=True),
        summary=_rewrite(content.summary, tracked, is_html=False) if content.summary else None,
    )
