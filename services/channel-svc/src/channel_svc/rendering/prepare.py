"""A post made ready for one channel: rendered in the platform's format and checked."""

from __future__ import annotations

from event_contracts import PostPublishedV1
from textkit import WordScanner

from channel_svc.models import Channel
from channel_svc.platforms.catalogue import HashtagStyle, LinkPolicy, Platform
from channel_svc.rendering.checks import Violation, check
from channel_svc.rendering.media_checks import check_media
from channel_svc.rendering.render import (
    ChannelStyle,
    MediaFacts,
    PostContent,
    Rendered,
    markdown_to_html,
    render,
)


def media_of(post: PostPublishedV1) -> tuple[MediaFacts, ...]:
    """The post's library media as the checks read them. `post.published` carries them
    from event-contracts' `MediaReference` on (issue 19, item 3); an older snapshot has
    none, hence the lenient read."""
    media = getattr(post, "media", None) or ()
    return tuple(MediaFacts.model_validate(item, from_attributes=True) for item in media)


def content_of(post: PostPublishedV1) -> PostContent:
    return PostContent(
        title=post.title,
        body_markdown=post.body_markdown,
        body_html=post.body_html or markdown_to_html(post.body_markdown),
        summary=post.summary,
        cover_url=post.cover_url,
        tags=tuple(post.tags),
        post_id=post.post_id,
        media=media_of(post),
    )


def style_of(channel: Channel, post_id: str | None) -> ChannelStyle:
    template = channel.config.get("link_template")
    link = None
    if isinstance(template, str) and template:
        link = template.replace("{post_id}", post_id or "preview")
    author = channel.config.get("author")
    return ChannelStyle(
        signature=channel.signature,
        default_tags=tuple(channel.default_tags or ()),
        link=link,
        author=author if isinstance(author, str) else None,
    )


def prepare(
    platform: Platform, channel: Channel, content: PostContent, scanner: WordScanner
) -> tuple[Rendered, list[Violation]]:
    style = style_of(channel, content.post_id)
    rendered = render(platform, content, style)
    safe_domain = channel.config.get("safe_domain")
    violations = check(
        platform,
        content,
        style,
        rendered,
        scanner,
        safe_domain=safe_domain if isinstance(safe_domain, str) else None,
    )
    return rendered, violations + check_media(platform, content)


def checklist(platform: Platform, rendered: Rendered) -> list[str]:
    """What the operator checks when publishing by hand, figures filled in."""
    rules = platform.rules
    items: list[str] = []
    if platform.console_url:
        items.append(
            f"Open {platform.name_zh} ({platform.console_url}) with the channel's account."
        )
    if rules.title_max is not None:
        items.append(
            f"Title: at most {rules.title_max} characters (this one has {len(rendered.title)})."
        )
    if rules.body_max is not None:
        items.append(
            f"Body ({rules.body_format.value}): at most {rules.body_max} characters "
            f"(this one has {len(rendered.body)})."
        )
    if rules.cover_required:
        items.append(f"Cover image required: {rendered.cover_url or 'none given!'}")
    if rules.images_max is not None:
        items.append(f"At most {rules.images_max} images (this post has {len(rendered.images)}).")
    if rendered.media:
        order = ", ".join(
            f"{i}: {item.kind} {item.media_id}" for i, item in enumerate(rendered.media)
        )
        items.append(f"Upload the media in this order: {order}.")
    if rules.topics_max is not None:
        items.append(
            f"At most {rules.topics_max} topics/tags (this post has {len(rendered.tags)})."
        )
    if rules.hashtag_style is HashtagStyle.TRAILING_SPACE:
        items.append("Hashtags are written `#tag ` with a space after each (already in the body).")
    elif rules.hashtag_style is HashtagStyle.WEIBO:
        items.append("Hashtags are written `#tag#` (already in the body).")
    elif rendered.tags:
        items.append(f"Enter the tags in the editor's tag field: {', '.join(rendered.tags)}.")
    if rules.link_policy is LinkPolicy.NONE:
        items.append("No outside links in the body.")
    if not rules.qr_codes_allowed:
        items.append("No QR codes in images or text.")
    if rules.daily_quota is not None:
        items.append(f"The platform allows about {rules.daily_quota} posts a day per account.")
    items.extend(rules.notes)
    items.append("When published, send its URL: POST /api/v1/distributions/{id}/complete.")
    return items
