"""The pre-publish check: every reason the platform would refuse, throttle or later delete
the post, with the field and the character position, so that nothing is sent blind.

Positions count characters (not bytes) from 0, in the text the editor wrote: `title`,
`body` (the post's Markdown), `signature` (the channel's), `tags`. Lengths are measured
on the rendered result, which is what the platform counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from textkit import STARTER_WORDS, ScanWord, WordScanner

from channel_svc.platforms.catalogue import LinkPolicy, Platform
from channel_svc.rendering.render import (
    ChannelStyle,
    PostContent,
    Rendered,
    has_cover,
    html_to_text,
)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]（）【】，。]+", re.IGNORECASE)
_QR_WORDS = ("二维码", "扫码", "扫一扫", "qr code", "qrcode", "qr-code")


class Violation(BaseModel):
    code: str
    message: str
    field: str
    position: int | None = None
    length: int | None = None
    word: str | None = None
    category: str | None = None
    media_index: int | None = Field(
        default=None, description="The item's place in the post's media list (from 0)."
    )
    media_id: str | None = Field(default=None, description="The media library item.")


def scanner_for(words: Iterable[ScanWord]) -> WordScanner:
    """The starter list plus a workspace's own lists."""
    return WordScanner([*STARTER_WORDS, *words])


def _texts(content: PostContent, style: ChannelStyle, tags: list[str]) -> list[tuple[str, str]]:
    texts = [("title", content.title), ("body", content.body_markdown)]
    if content.summary:
        texts.append(("summary", content.summary))
    if style.signature:
        texts.append(("signature", style.signature))
    if tags:
        texts.append(("tags", " ".join(tags)))
    return texts


def host_under(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().strip(".")
    return host == domain or host.endswith("." + domain)


def _links(
    platform: Platform,
    texts: list[tuple[str, str]],
    safe_domain: str | None,
    images: list[str],
) -> list[Violation]:
    policy = platform.rules.link_policy
    if policy is LinkPolicy.ALLOWED:
        return []
    found: list[Violation] = []
    for field, text in texts:
        for match in _URL.finditer(text):
            url = match.group(0)
            if url in images:  # an image, not a link (its own checks apply)
                continue
            host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
            if policy is LinkPolicy.SAFE_DOMAIN:
                if safe_domain and host_under(host, safe_domain):
                    continue
                message = (
                    f"the link {url} is outside the safe domain {safe_domain} registered for "
                    f"this {platform.name} app"
                    if safe_domain
                    else f"the link {url} cannot be checked: the channel has no safe domain"
                )
                code = "link_outside_safe_domain"
            else:
                message = f"{platform.name} does not allow outside links: {url}"
                code = "link_not_allowed"
            found.append(
                Violation(
                    code=code,
                    message=f"{field} at {match.start()}: {message}",
                    field=field,
                    position=match.start(),
                    length=len(url),
                )
            )
    return found


def _qr_codes(
    platform: Platform, texts: list[tuple[str, str]], images: list[str]
) -> list[Violation]:
    if platform.rules.qr_codes_allowed:
        return []
    found: list[Violation] = []
    for field, text in texts:
        lowered = text.lower()
        for word in _QR_WORDS:
            start = lowered.find(word)
            while start >= 0:
                found.append(
                    Violation(
                        code="qr_code_not_allowed",
                        message=f"{field} at {start}: {platform.name} removes posts that point "
                        f"to a QR code (“{text[start : start + len(word)]}”)",
                        field=field,
                        position=start,
                        length=len(word),
                        word=text[start : start + len(word)],
                    )
                )
                start = lowered.find(word, start + len(word))
    for url in images:
        name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
        if "qr" in re.split(r"[^a-z]+", name) or "qrcode" in name:
            found.append(
                Violation(
                    code="qr_code_not_allowed",
                    message=f"the image {url} looks like a QR code, which {platform.name} "
                    "does not allow",
                    field="images",
                )
            )
    return found


def check(
    platform: Platform,
    content: PostContent,
    style: ChannelStyle,
    rendered: Rendered,
    scanner: WordScanner,
    *,
    safe_domain: str | None = None,
) -> list[Violation]:
    """Every violation, in a stable order (structure first, then words by position)."""
    rules = platform.rules
    name = platform.name
    found: list[Violation] = []
    title = rendered.title
    if rules.title_required and not title:
        found.append(
            Violation(code="title_missing", message=f"{name} needs a title", field="title")
        )
    if rules.title_max is not None and len(title) > rules.title_max:
        found.append(
            Violation(
                code="title_too_long",
                message=f"the title has {len(title)} characters; {name} allows "
                f"{rules.title_max} (the excess starts at {rules.title_max})",
                field="title",
                position=rules.title_max,
                length=len(title) - rules.title_max,
            )
        )
    body_text = html_to_text(content.body_html) if content.body_html else content.body_markdown
    if not content.body_markdown.strip() and not body_text.strip():
        found.append(Violation(code="body_empty", message="the post has no body", field="body"))
    if rules.body_max is not None and len(rendered.body) > rules.body_max:
        found.append(
            Violation(
                code="body_too_long",
                message=f"the {name} text has {len(rendered.body)} characters; {name} allows "
                f"{rules.body_max}",
                field="body",
                position=rules.body_max,
                length=len(rendered.body) - rules.body_max,
            )
        )
    if rules.cover_required and not has_cover(content):
        found.append(
            Violation(
                code="cover_missing",
                message=f"{name} needs a cover image: a cover_url, or an image in the media",
                field="cover_url",
            )
        )
    if rules.images_max is not None and len(rendered.images) > rules.images_max:
        found.append(
            Violation(
                code="too_many_images",
                message=f"the post has {len(rendered.images)} images; {name} allows "
                f"{rules.images_max}",
                field="images",
            )
        )
    if rules.topics_max is not None and len(rendered.tags) > rules.topics_max:
        found.append(
            Violation(
                code="too_many_topics",
                message=f"the post has {len(rendered.tags)} tags; {name} allows "
                f"{rules.topics_max} topics",
                field="tags",
            )
        )
    if rules.link_policy is LinkPolicy.SAFE_DOMAIN:
        if not rendered.link:
            found.append(
                Violation(
                    code="safe_link_missing",
                    message=f"{name} needs a link under the app's safe domain; set the "
                    "channel's link_template",
                    field="link",
                )
            )
        elif safe_domain and not host_under(urlsplit(rendered.link).hostname or "", safe_domain):
            found.append(
                Violation(
                    code="link_outside_safe_domain",
                    message=f"the canonical link {rendered.link} is outside the safe domain "
                    f"{safe_domain}",
                    field="link",
                )
            )
    texts = _texts(content, style, rendered.tags)
    found += _links(platform, texts, safe_domain, rendered.images)
    found += _qr_codes(platform, texts, rendered.images)
    if rules.screen_words:
        for field, text in texts:
            for match in scanner.scan(text):
                found.append(
                    Violation(
                        code="listed_word",
                        message=f"{field} at {match.start}: “{text[match.start : match.end]}” "
                        f"is on the {match.category.replace('_', ' ')} list",
                        field=field,
                        position=match.start,
                        length=match.length,
                        word=match.word,
                        category=match.category,
                    )
                )
    return found
