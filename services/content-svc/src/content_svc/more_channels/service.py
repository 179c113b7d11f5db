"""Sending a published post to channels it has not been sent to.

The new channels go out as their own `post.published` event naming only them (with each
one's variant): channel-svc plans one distribution per (post, channel) and ignores the
channels it planned before, metrics-svc adds the channels to the post it knows, and the
outcomes come back per distribution as for any publication, so nothing is counted twice.
A channel the post was already sent to is a 409 naming it; the post's row lock makes
concurrent requests take turns, and the (post, channel) key refuses a second row anyway.
A channel's variant written after the post went out was never reviewed: sending it needs
what publishing an unreviewed post needs (`publishing.may_skip_review`).
"""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.media.service import Library
from content_svc.models import DeliveryStatus, Post, PostChannel, PostStatus
from content_svc.posts.publishing import may_skip_review, requested_channels
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import publication
from content_svc.posts.states import record_transition, refuse
from content_svc.replicas.channels import ChannelLookup, require_live
from content_svc.variants.service import variant_of

ACTION = "add-channels"


async def send_to_more_channels(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    channel_ids: Sequence[str],
    channels: ChannelLookup,
    *,
    library: Library,
) -> Post:
    post = await get_post(session, caller, post_id, for_update=True)
    requested = requested_channels(channel_ids)
    if post.status != PostStatus.PUBLISHED.value:
        raise refuse(
            post,
            ACTION,
            f"A {post.status} post has not been published yet: publish it to these channels.",
        )
    sent = {row.channel_id for row in post.channels}
    again = [channel_id for channel_id in requested if channel_id in sent]
    if again:
        raise Conflict(
            f"The post was already sent to channel {', '.join(again)}; a post goes to each "
            "channel once.",
            channel_ids=again,
        )
    unreviewed = _written_since_published(post, requested)
    if unreviewed and await may_skip_review(session, caller) is None:
        raise refuse(
            post,
            ACTION,
            f"Channel {', '.join(unreviewed)} has a version written after the post was "
            "published, which nobody reviewed; this workspace lets only owners publish "
            "unreviewed content.",
            channel_ids=unreviewed,
        )
    checks = await require_live(session, caller.workspace_id, requested, channels)
    now = utcnow()
    record_transition(
        session,
        post,
        caller.user_id,
        action=ACTION,
        to_status=PostStatus.PUBLISHED,
        comment=f"sent to {len(requested)} more channel(s): {', '.join(requested)}",
    )
    for channel_id in requested:
        post.channels.append(
            PostChannel(
                channel_id=channel_id,
                workspace_id=post.workspace_id,
                status=DeliveryStatus.PENDING.value,
                platform=checks[channel_id].platform,
                reasons=[],
                updated_at=now,
            )
        )
    # The relationship's order, so that this answer equals a later GET.
    post.channels.sort(key=lambda row: row.channel_id)
    emit(session, await publication(session, library, post, requested, now))
    await session.flush()
    return post


def _written_since_published(post: Post, channel_ids: Sequence[str]) -> list[str]:
    """The channels whose variant was written after the post went out: before, a change of
    a variant sent the post back to review; after, nothing did."""
    published_at = post.published_at
    if published_at is None:
        return []
    return [
        channel_id
        for channel_id in channel_ids
        if (variant := variant_of(post, channel_id)) is not None
        and variant.updated_at > published_at
    ]
