"""The SQL of the posting queue: slots, and the claims queued posts hold on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.pagination import keyset, paginate
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from content_svc.kit.ids import workspace_row
from content_svc.models import (
    DeliveryStatus,
    Post,
    PostChannel,
    PostStatus,
    QueuedPost,
    QueueSlot,
)

QUEUE_ORDER = "slot"

# A claim counts while its post is scheduled, and after the post is published while the
# channel's distribution has not gone out (its slot is later than the publication). A
# post rescheduled, published now or moved in the queue has its claims replaced (see
# `publishing.publish_post` and `queue.service`); one sent back to review or archived, or
# whose distribution failed or was cancelled, leaves stale claims behind, which are ignored
# and removed when the slot is wanted again.
_PENDING_THERE = (
    select(PostChannel.post_id)
    .where(
        PostChannel.post_id == QueuedPost.post_id,
        PostChannel.channel_id == QueuedPost.channel_id,
        PostChannel.status == DeliveryStatus.PENDING.value,
    )
    .exists()
)
_LIVE = and_(
    Post.id == QueuedPost.post_id,
    or_(
        Post.status == PostStatus.SCHEDULED.value,
        and_(Post.status == PostStatus.PUBLISHED.value, _PENDING_THERE),
    ),
)


async def get_slot(session: AsyncSession, workspace_id: str, slot_id: str) -> QueueSlot | None:
    return await workspace_row(session, QueueSlot, workspace_id, slot_id)


async def list_slots(
    session: AsyncSession,
    workspace_id: str,
    *,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> Sequence[QueueSlot]:
    query = select(QueueSlot).where(QueueSlot.workspace_id == workspace_id)
    if channel_id is not None:
        query = query.where(QueueSlot.channel_id == channel_id)
    query = paginate(
        query, created_at=QueueSlot.created_at, row_id=QueueSlot.id, cursor=cursor, limit=limit
    )
    return (await session.scalars(query)).all()


async def slots_of(
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str]
) -> dict[str, list[QueueSlot]]:
    rows = await session.scalars(
        select(QueueSlot).where(
            QueueSlot.workspace_id == workspace_id, QueueSlot.channel_id.in_(channel_ids)
        )
    )
    found: dict[str, list[QueueSlot]] = {channel_id: [] for channel_id in channel_ids}
    for row in rows:
        found[row.channel_id].append(row)
    return found


async def taken_moments(
    session: AsyncSession, workspace_id: str, channel_id: str, since: datetime
) -> set[datetime]:
    """The moments live claims hold on the channel from `since` on."""
    rows = await session.scalars(
        select(QueuedPost.slot_at)
        .join(Post, _LIVE)
        .where(
            QueuedPost.workspace_id == workspace_id,
            QueuedPost.channel_id == channel_id,
            QueuedPost.slot_at >= since,
        )
    )
    return set(rows)


async def drop_stale_claims(
    session: AsyncSession, workspace_id: str, channel_id: str, slot_at: datetime
) -> None:
    """Remove the claim on (channel, `slot_at`) if its post no longer holds it."""
    live = select(QueuedPost.id).join(Post, _LIVE)
    await session.execute(
        delete(QueuedPost)
        .where(
            QueuedPost.workspace_id == workspace_id,
            QueuedPost.channel_id == channel_id,
            QueuedPost.slot_at == slot_at,
            QueuedPost.id.not_in(live),
        )
        .execution_options(synchronize_session=False)
    )


async def drop_claims_of(
    session: AsyncSession,
    post_id: str,
    *,
    only: Sequence[str] | None = None,
    keep: Sequence[str] = (),
    before: datetime | None = None,
) -> None:
    """Remove the post's claims: on the channels in `only` when given, but on `keep`;
    with `before`, only those of slots up to that moment."""
    query = delete(QueuedPost).where(QueuedPost.post_id == post_id)
    if only is not None:
        query = query.where(QueuedPost.channel_id.in_(only))
    if keep:
        query = query.where(QueuedPost.channel_id.not_in(keep))
    if before is not None:
        query = query.where(QueuedPost.slot_at <= before)
    await session.execute(query.execution_options(synchronize_session=False))


async def claims_of(session: AsyncSession, post: Post) -> Sequence[QueuedPost]:
    """The live claims of `post`."""
    rows = await session.scalars(
        select(QueuedPost)
        .join(Post, _LIVE)
        .where(QueuedPost.post_id == post.id)
        .order_by(QueuedPost.channel_id)
    )
    return rows.all()


async def list_queue(
    session: AsyncSession,
    workspace_id: str,
    *,
    since: datetime,
    channel_id: str | None,
    limit: int,
    cursor: str | None,
) -> Sequence[tuple[QueuedPost, Post]]:
    """Live claims from `since` on, soonest first, with their post (and its channels)."""
    query = (
        select(QueuedPost, Post)
        .join(Post, _LIVE)
        .where(QueuedPost.workspace_id == workspace_id, QueuedPost.slot_at >= since)
        .options(selectinload(Post.channels))
    )
    if channel_id is not None:
        query = query.where(QueuedPost.channel_id == channel_id)
    query = keyset(
        query,
        sort=QUEUE_ORDER,
        column=QueuedPost.slot_at,
        row_id=QueuedPost.id,
        cursor=cursor,
        limit=limit,
        descending=False,
    )
    return [(row, post) for row, post in (await session.execute(query)).all()]


async def upcoming_slots(
    session: AsyncSession, post_ids: set[str], since: datetime
) -> dict[str, dict[str, datetime]]:
    """Per post of `post_ids`, each channel's soonest slot from `since` on that a live
    claim holds."""
    rows = await session.execute(
        select(QueuedPost.post_id, QueuedPost.channel_id, QueuedPost.slot_at)
        .join(Post, _LIVE)
        .where(QueuedPost.post_id.in_(post_ids), QueuedPost.slot_at >= since)
        .order_by(QueuedPost.slot_at.desc())
    )
    found: dict[str, dict[str, datetime]] = {}
    for post_id, channel_id, slot_at in rows:
        found.setdefault(post_id, {})[channel_id] = slot_at
    return found


async def queued_post_ids(session: AsyncSession, post_ids: set[str]) -> set[str]:
    """Which of `post_ids` hold live claims (are in the queue)."""
    if not post_ids:
        return set()
    rows = await session.scalars(
        select(QueuedPost.post_id).join(Post, _LIVE).where(QueuedPost.post_id.in_(post_ids))
    )
    return set(rows)


async def waiting_channels(session: AsyncSession, post: Post, after: datetime) -> set[str]:
    """The channels a published post has not gone out to yet, whose queue slot is later
    than `after`."""
    if post.status != PostStatus.PUBLISHED.value:
        return set()
    return set((await upcoming_slots(session, {post.id}, after)).get(post.id, {}))
