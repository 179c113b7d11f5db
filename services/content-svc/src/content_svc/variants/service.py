"""The rules of a post's per-channel versions (variants).

A variant replaces some of the post's fields on one channel; what it leaves out is the
post's own when the post is sent. It has a version of its own (two editors of one variant
do not overwrite each other; an edit of the post does not conflict with one of a variant).
Changing a variant changes what a reviewer approved, so an approved or scheduled post goes
back to review, as after an edit; a published post's variants may still be written for the
channels it has not been sent to (`POST /posts/{id}/channels`), never for those it has.

A post the posting queue published at its earliest slot has not gone out yet on the
channels whose slot is later. Like Buffer's and Postiz's per-channel posts, what goes out
on such a channel is what it is at its slot: its variant may be written, changed or
removed until a minute before (`queue.service.LEAD`), and the change reaches channel-svc
as `post.channel.revised`, which replaces the content of that channel's waiting
distribution (unless a worker took it first: then it went out as it was). The post's own
content stays final once it went out anywhere (`posts.service.edit_post` refuses, naming
the channels still waiting): it is what the earlier channels got and what its revisions
and figures are of. Such a change publishes new content, so it needs what publishing an
unreviewed post needs (`publishing.may_skip_review`).
Functions never commit.
"""

from __future__ import annotations

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Conflict, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.kit.ids import canonical_id
from content_svc.kit.rendering import render_markdown
from content_svc.media.service import Library, checked_media_ids
from content_svc.models import Post, PostStatus, PostVariant
from content_svc.posts.markdown import check_media_references
from content_svc.posts.publishing import may_skip_review
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import channel_revision, check_fits
from content_svc.posts.states import refuse, review_again
from content_svc.queue import repository as queue_claims
from content_svc.queue.service import LEAD
from content_svc.recurrence import repository as recurrences
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


async def _require_changeable(
    session: AsyncSession, caller: Caller, post: Post, channel_id: str
) -> bool:
    """A 409 when the post cannot change on the channel: archived, or sent there (or about
    to be). True when it was published and the channel still waits for its queue slot:
    the change must reach channel-svc."""
    if post.status not in WRITABLE:
        raise refuse(post, "edit")
    if not any(row.channel_id == channel_id for row in post.channels):
        return False
    waiting = await queue_claims.waiting_channels(session, post, utcnow() + LEAD)
    if channel_id not in waiting:
        raise Conflict(
            f"The post was already sent to channel {channel_id} (or its queue slot is less "
            f"than {LEAD.seconds // 60} minute away); what was sent there cannot change.",
            channel_id=channel_id,
        )
    if await may_skip_review(session, caller) is None:
        raise refuse(
            post,
            "edit",
            f"Channel {channel_id} waits for its queue slot, but changing what goes out there "
            "publishes content nobody reviewed, which this workspace allows only owners.",
        )
    return True


async def _tell_channel(
    session: AsyncSession, library: Library, post: Post, channel_id: str
) -> None:
    """`post.channel.revised` for the channel's waiting distribution: in the latest
    occurrence released, for a recurring post."""
    recurrence = await recurrences.get_recurrence(session, post.workspace_id, post.id)
    occurrence = recurrence.occurrence if recurrence is not None else 0
    emit(
        session,
        await channel_revision(
            session, library, post, channel_id, occurrence=occurrence, revised_at=utcnow()
        ),
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
    library: Library,
) -> PostVariant:
    """Create or replace the post's variant for a live channel of the workspace.

    `data.version` absent creates it (a 409 if it exists); present, it must be the
    variant's current version (a 409 otherwise, with `current_version`).
    """
    channel_id = _channel_id(raw)
    post = await get_post(session, caller, post_id, for_update=True)
    waiting = await _require_changeable(session, caller, post, channel_id)
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
    if markdown is not None:
        await check_media_references(session, caller.workspace_id, markdown)
    if fields["media_ids"] is not None:
        fields["media_ids"] = await checked_media_ids(
            session, caller.workspace_id, fields["media_ids"]
        )
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
    if waiting:
        await _tell_channel(session, library, post, channel_id)
    return variant


async def delete_variant(
    session: AsyncSession, caller: Caller, post_id: str, raw: str, library: Library
) -> None:
    """Drop the channel's variant: the post goes there as it is."""
    channel_id = _channel_id(raw)
    post = await get_post(session, caller, post_id, for_update=True)
    variant = variant_of(post, channel_id)
    if variant is None:
        raise NotFound(f"Post {post_id} has no variant for channel {raw}.")
    waiting = await _require_changeable(session, caller, post, channel_id)
    post.variants.remove(variant)
    _changed(session, post, caller, f"The variant for channel {channel_id} was removed")
    await session.flush()
    if waiting:
        await _tell_channel(session, library, post, channel_id)
