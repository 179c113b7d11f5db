"""The SQL of the posting queue: slots, and the claims queued posts hold on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from servicekit.pagination import keyset, paginate
from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import workspace_row
from content_svc.models import Post, PostStatus, QueuedPost, QueueSlot

QUEUE_ORDER = "slot"

# A claim counts while its post is still scheduled for the claimed time: a post sent back
# to review, archived, published or rescheduled leaves stale claims behind, which are
# ignored and removed when the slot is wanted again.
_LIVE = and_(
    Post.id == QueuedPost.post_id,
    Post.status == PostStatus.SCHEDULED.value,
    Post.scheduled_at == QueuedPost.slot_at,
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
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str], since: datetime
) -> set[tuple[str, datetime]]:
    """(channel, moment) pairs live claims hold from `since` on."""
    rows = await session.execute(
        select(QueuedPost.channel_id, QueuedPost.slot_at)
        .join(Post, _LIVE)
        .where(
            QueuedPost.workspace_id == workspace_id,
            QueuedPost.channel_id.in_(channel_ids),
            QueuedPost.slot_at >= since,
        )
    )
    return {(str(channel_id), slot_at) for channel_id, slot_at in rows.all()}


async def drop_stale_claims(
    session: AsyncSession, workspace_id: str, channel_ids: Sequence[str], slot_at: datetime
) -> None:
    """Remove claims on (channel, `slot_at`) whose post no longer holds that time."""
    live = select(QueuedPost.id).join(Post, _LIVE)
    await session.execute(
        delete(QueuedPost)
        .where(
            QueuedPost.workspace_id == workspace_id,
            QueuedPost.channel_id.in_(channel_ids),
            QueuedPost.slot_at == slot_at,
            QueuedPost.id.not_in(live),
        )
        .execution_options(synchronize_session=False)
    )


async def drop_claims_of(session: AsyncSession, post_id: str) -> None:
    await session.execute(
        delete(QueuedPost)
        .where(QueuedPost.post_id == post_id)
        .execution_options(synchronize_session=False)
    )


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
) -> Sequence[tuple[QueuedPost, str]]:
    """Live claims from `since` on, soonest first, with their post's title."""
    query = (
        select(QueuedPost, Post.title)
        .join(Post, _LIVE)
        .where(QueuedPost.workspace_id == workspace_id, QueuedPost.slot_at >= since)
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
    return [(row, str(title)) for row, title in (await session.execute(query)).all()]


async def queued_post_ids(session: AsyncSession, post_ids: set[str]) -> set[str]:
    """Which of `post_ids` hold live claims (are in the queue)."""
    if not post_ids:
        return set()
    rows = await session.scalars(
        select(QueuedPost.post_id).join(Post, _LIVE).where(QueuedPost.post_id.in_(post_ids))
    )
    return set(rows)
