"""The rules of a post's per-channel versions (variants).

A variant replaces some of the post's fields on one channel; what it leaves out is the
post's own when the post is sent. It has a version of its own (two editors of one variant
do not overwrite each other; an edit of the post does not conflict with one of a variant).
Changing a variant changes what a reviewer approved, so an approved or scheduled post goes
back to review, as after an edit; a published post's variants may still be written for the
channels it has not been sent to (`POST /posts/{id}/channels`), never for those it has.
Functions never commit.
"""

from __future__ import annotations

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import canonical_id
from content_svc.kit.rendering import render_markdown
from content_svc.models import Post, PostStatus, PostVariant
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import check_fits
from content_svc.posts.states import refuse, review_again
from content_svc.replicas.channels import ChannelLookup, check_channels
from content_svc.variants.schemas import OVERRIDES, VariantWrite

# The statuses whose variants may change: every one but archived (a published post's
# only for channels it was not sent to).
WRITABLE = (
    PostStatus.DRAFT,
    PostStatus.IN_REVIEW,
    PostStatus.APPROVED,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHED,
)


def _channel_id(raw: str) -> str:
    channel_id = canonical_id(raw)
    if channel_id is None:
        raise Invalid.field("channel_id", f"{raw!r} is not a channel id")
    return channel_id


def variant_of(post: Post, channel_id: str) -> PostVariant | None:
    return next((v for v in post.variants if v.channel_id == channel_id), None)


async def get_variant(session: AsyncSession, caller: Caller, post_id: str, raw: str) -> PostVariant:
    post = await get_post(session, caller, post_id)
    variant = variant_of(post, _channel_id(raw))
    if variant is None:
        raise NotFound(f"Post {post_id} has no variant for channel {raw}.")
    return variant


def _require_unsent(post: Post, channel_id: str) -> None:
    """A 409 when the post cannot change on the channel: archived, or already sent there."""
    if post.status not in WRITABLE:
        raise refuse(post, "edit")
    if any(row.channel_id == channel_id for row in post.channels):
        raise Conflict(
            f"The post was already sent to channel {channel_id}; what was sent there "
            "cannot change.",
            channel_id=channel_id,
        )


def _changed(session: AsyncSession, post: Post, caller: Caller, what: str) -> None:
    post.updated_at = utcnow()
    review_again(session, post, caller.user_id, f"{what} after approval; needs review again.")


async def put_variant(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    raw: str,
    data: VariantWrite,
    channels: ChannelLookup,
) -> PostVariant:
    """Create or replace the post's variant for a live channel of the workspace.

    `data.version` absent creates it (a 409 if it exists); present, it must be the
    variant's current version (a 409 otherwise, with `current_version`).
    """
    channel_id = _channel_id(raw)
    post = await get_post(session, caller, post_id, for_update=True)
    _require_unsent(post, channel_id)
    variant = variant_of(post, channel_id)
    current = variant.version if variant is not None else None
    if data.version != current:
        started = f"version {data.version}" if data.version else "no variant"
        now_at = f"version {current}" if current else "no variant"
        raise Conflict(
            f"This change started from {started} of the channel's variant, but it is at "
            f"{now_at} now; reload it and apply your changes again.",
            current_version=current,
        )
    check = (await check_channels(session, caller.workspace_id, [channel_id], channels))[channel_id]
    if not check.live:
        raise Invalid.field("channel_id", f"{check.problem}: {channel_id}")
    fields = {name: getattr(data, name) for name in OVERRIDES}
    markdown = fields["body_markdown"]
    if variant is None:
        variant = PostVariant(
            post_id=post.id, channel_id=channel_id, workspace_id=post.workspace_id, version=0
        )
        post.variants.append(variant)
    for name, value in fields.items():
        setattr(variant, name, value)
    variant.body_html = render_markdown(markdown) if markdown is not None else None
    variant.version += 1
    variant.editor_id = caller.user_id
    variant.updated_at = utcnow()
    check_fits(post)  # the request rolls back when the post and its variants no longer fit
    _changed(session, post, caller, f"The variant for channel {channel_id} changed")
    await session.flush()
    return variant


async def delete_variant(session: AsyncSession, caller: Caller, post_id: str, raw: str) -> None:
    """Drop the channel's variant: the post goes there as it is."""
    channel_id = _channel_id(raw)
    post = await get_post(session, caller, post_id, for_update=True)
    variant = variant_of(post, channel_id)
    if variant is None:
        raise NotFound(f"Post {post_id} has no variant for channel {raw}.")
    _require_unsent(post, channel_id)
    post.variants.remove(variant)
    _changed(session, post, caller, f"The variant for channel {channel_id} was removed")
    await session.flush()
