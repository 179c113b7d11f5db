"""Snapshots of a post: its content (what a revision keeps), its `post.published` payload,
and the rule that keeps every post sendable.

The event carries the post itself (title, Markdown and its rendered HTML, tags...), since
channel-svc renders it for each platform and webhook receivers get it as written. So the
post must fit in one event: `check_fits` refuses, when the post is written (and again when
it is published, for posts stored before the rule), a post whose event to as many
channels as a publication may name would exceed `MAX_EVENT_BYTES`. A post within
`BODY_MAX` characters fits whatever its script; only unusual markup that renders to far
more HTML than it is long (thousands of reference links to one long URL) is refused.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from event_contracts import MAX_EVENT_BYTES, PostPublishedV1, PostVariantV1
from servicekit.db import utcnow
from servicekit.problems import TooLarge
from servicekit.shapes import shaped

from content_svc.events import emit
from content_svc.models import Post, PostRevision, PostVariant
from content_svc.posts.schemas import CHANNEL_ID_MAX, MAX_CHANNELS

# The most a publication adds to the post: the longest channel ids, as many as allowed,
# and a trace context.
_MOST_CHANNELS = ["0" * CHANNEL_ID_MAX] * MAX_CHANNELS
_A_TRACE = f"00-{'0' * 32}-{'0' * 16}-00"


# What an edit changes and a revision keeps of a post's text.
CONTENT = ("title", "body_markdown", "summary", "cover_url", "tags", "keywords")


def content_of(source: Post | PostRevision) -> dict[str, Any]:
    """The content of a post or of one of its revisions (lists copied, never shared)."""
    return {name: copy.copy(getattr(source, name)) for name in CONTENT}


def as_sent(post: Post, variant: PostVariant) -> PostVariantV1:
    """The post on the variant's channel: the variant's fields, the post's where it has none."""
    return PostVariantV1(
        title=variant.title if variant.title is not None else post.title,
        summary=variant.summary if variant.summary is not None else post.summary,
        body_markdown=(
            variant.body_markdown if variant.body_markdown is not None else post.body_markdown
        ),
        body_html=(variant.body_html or "")
        if variant.body_markdown is not None
        else post.body_html,
        tags=list(variant.tags if variant.tags is not None else post.tags),
    )


def published(post: Post, channel_ids: list[str], published_at: datetime) -> PostPublishedV1:
    """The `post.published` payload of the post released to `channel_ids`."""
    return shaped(
        PostPublishedV1,
        post,
        post_id=post.id,
        channel_ids=channel_ids,
        published_at=published_at,
        channel_options={
            channel_id: option
            for channel_id, option in (post.channel_options or {}).items()
            if channel_id in channel_ids
        },
        variants={
            variant.channel_id: as_sent(post, variant)
            for variant in post.variants
            if variant.channel_id in channel_ids
        },
    )


def event_size(post: Post) -> int:
    """Bytes of the post's `post.published` at its largest (most channels, every variant,
    a trace)."""
    with_variants = [variant.channel_id for variant in post.variants]
    channel_ids = with_variants + _MOST_CHANNELS[len(with_variants) :]
    event = emit.event(published(post, channel_ids, utcnow()))
    event.traceparent = _A_TRACE
    return len(event.to_bytes())


def check_fits(post: Post) -> None:
    """`TooLarge` (413, naming `body_markdown`) when the post could not be published."""
    size = event_size(post)
    if size > MAX_EVENT_BYTES:
        raise TooLarge.field(
            "body_markdown",
            f"the post would be a {size // 1024} KiB event once published; at most "
            f"{MAX_EVENT_BYTES // 1024} KiB can be sent to the channels. Shorten the body "
            "(or the markup that makes its HTML large).",
            event_bytes=size,
            max_event_bytes=MAX_EVENT_BYTES,
        )
