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
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from event_contracts import (
    MAX_EVENT_BYTES,
    MediaReference,
    PostChannelRevisedV1,
    PostPublishedV1,
    PostVariantV1,
)
from servicekit.db import utcnow
from servicekit.problems import TooLarge
from servicekit.shapes import shaped
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.media.service import Library, delivery_references
from content_svc.models import Post, PostRevision, PostVariant
from content_svc.posts.markdown import media_ids_in_html, resolve_media, resolve_media_markdown
from content_svc.posts.schemas import CHANNEL_ID_MAX, MAX_CHANNELS

# The most a publication adds to the post: the longest channel ids, as many as allowed,
# and a trace context.
_MOST_CHANNELS = ["0" * CHANNEL_ID_MAX] * MAX_CHANNELS
_A_TRACE = f"00-{'0' * 32}-{'0' * 16}-00"
# A generous bound on a signed download URL (S3 presigned URLs run to about 1,500 bytes).
_URL_MOST = 2048


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


def published(
    post: Post,
    channel_ids: list[str],
    published_at: datetime,
    *,
    media: Mapping[str, MediaReference],
    send_at: Mapping[str, datetime] | None = None,
) -> PostPublishedV1:
    """The `post.published` payload of the post released to `channel_ids`; `media` holds
    the reference (with its download URL) of every medium the post and its variants list
    or place in their bodies: the bodies' `media:<id>` images point at those URLs;
    `send_at`: the channels that go out later than `published_at`, at their queue slots."""
    urls = {media_id: reference.url for media_id, reference in media.items()}

    def listed(media_ids: list[str]) -> list[MediaReference]:
        return [media[media_id] for media_id in media_ids if media_id in media]

    def as_sent_there(variant: PostVariant) -> PostVariantV1:
        sent = as_sent(post, variant)
        own = None if variant.media_ids is None else listed(variant.media_ids)
        return sent.model_copy(
            update={
                "media": own,
                "body_html": resolve_media(sent.body_html, urls),
                "body_markdown": resolve_media_markdown(sent.body_markdown, urls),
            }
        )

    return shaped(
        PostPublishedV1,
        post,
        post_id=post.id,
        channel_ids=channel_ids,
        published_at=published_at,
        body_html=resolve_media(post.body_html, urls),
        body_markdown=resolve_media_markdown(post.body_markdown, urls),
        media=listed(post.media_ids),
        channel_options={
            channel_id: option
            for channel_id, option in (post.channel_options or {}).items()
            if channel_id in channel_ids
        },
        variants={
            variant.channel_id: as_sent_there(variant)
            for variant in post.variants
            if variant.channel_id in channel_ids
        },
        send_at=dict(send_at or {}),
    )


def _listed_ids(post: Post) -> list[str]:
    """Every medium the post and its variants list or place in their bodies, each once."""
    ids = [*post.media_ids, *media_ids_in_html(post.body_html or "")]
    for variant in post.variants:
        ids.extend(variant.media_ids or ())
        ids.extend(media_ids_in_html(variant.body_html or ""))
    return list(dict.fromkeys(ids))


async def publication(
    session: AsyncSession,
    library: Library,
    post: Post,
    channel_ids: list[str],
    published_at: datetime,
    *,
    send_at: Mapping[str, datetime] | None = None,
) -> PostPublishedV1:
    """What every emitter of `post.published` sends: the payload with the media of the
    post and of its variants, their download URLs signed now (`send_at`: the channels
    that go out later, at their queue slots)."""
    references = await delivery_references(session, library, post.workspace_id, _listed_ids(post))
    media = {reference.media_id: reference for reference in references}
    return published(post, channel_ids, published_at, media=media, send_at=send_at)


async def channel_revision(
    session: AsyncSession,
    library: Library,
    post: Post,
    channel_id: str,
    *,
    occurrence: int,
    revised_at: datetime,
) -> PostChannelRevisedV1:
    """`post.channel.revised`: the post as it now goes to `channel_id` (its variant's
    fields, the post's elsewhere), media signed now, for the channel's distribution in
    `occurrence` that still waits for its slot."""
    sent = (await publication(session, library, post, [channel_id], revised_at)).for_channel(
        channel_id
    )
    return PostChannelRevisedV1(
        post_id=post.id,
        workspace_id=post.workspace_id,
        channel_id=channel_id,
        occurrence=occurrence,
        content=shaped(PostVariantV1, sent),
        revised_at=revised_at,
    )


def _largest_media(post: Post) -> dict[str, MediaReference]:
    """References as large as the post's media can make the event (the longest URL)."""
    return {
        media_id: MediaReference(
            media_id=media_id,
            kind="video",
            content_type="video/mp4",
            width=100_000,
            height=100_000,
            duration_seconds=100_000.0,
            size_bytes=10**12,
            sha256="0" * 64,
            url="u" * _URL_MOST,
            url_expires_at=utcnow(),
        )
        for media_id in _listed_ids(post)
    }


def event_size(post: Post) -> int:
    """Bytes of the post's `post.published` at its largest (most channels, every variant,
    their media, a trace)."""
    with_variants = [variant.channel_id for variant in post.variants]
    channel_ids = with_variants + _MOST_CHANNELS[len(with_variants) :]
    now = utcnow()
    # Every channel at a later queue slot (distinct ids, as long as ids are).
    send_at = {f"{n:0{CHANNEL_ID_MAX}d}": now for n in range(len(channel_ids))}
    event = emit.event(
        published(post, channel_ids, now, media=_largest_media(post), send_at=send_at)
    )
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
