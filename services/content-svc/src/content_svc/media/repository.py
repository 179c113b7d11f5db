"""The SQL of the media library; every query is scoped to one workspace (the signed file
endpoint's lookup by id is the one exception: the signature is its access)."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.pagination import paginate
from sqlalchemy import delete, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.ids import canonical_id, workspace_row
from content_svc.kit.sql import holds_label, mentions
from content_svc.media.schemas import MediaFilter
from content_svc.models import MediaItem, Post, PostMedia, PostStatus, PostVariantMedia

# Posts in these states have gone, or are about to go, out with their media.
COMMITTED_STATES = (PostStatus.SCHEDULED.value, PostStatus.PUBLISHED.value)


async def get_item(
    session: AsyncSession, workspace_id: str, media_id: str, *, for_update: bool = False
) -> MediaItem | None:
    return await workspace_row(session, MediaItem, workspace_id, media_id, for_update=for_update)


async def get_item_anywhere(session: AsyncSession, media_id: str) -> MediaItem | None:
    """The item `media_id` in whichever workspace: for the signed file URL only."""
    canonical = canonical_id(media_id)
    if canonical is None:
        return None
    return await session.get(MediaItem, canonical)


async def item_by_hash(session: AsyncSession, workspace_id: str, sha256: str) -> MediaItem | None:
    query = select(MediaItem).where(
        MediaItem.workspace_id == workspace_id, MediaItem.sha256 == sha256
    )
    return (await session.scalars(query)).one_or_none()


async def list_items(
    session: AsyncSession,
    workspace_id: str,
    filters: MediaFilter,
    *,
    limit: int,
    cursor: str | None,
) -> Sequence[MediaItem]:
    """The items `filters` lets through, after `cursor`, newest first (one more than `limit`)."""
    query = select(MediaItem).where(MediaItem.workspace_id == workspace_id)
    if filters.kind is not None:
        query = query.where(MediaItem.kind == filters.kind)
    if filters.tag is not None:
        query = query.where(holds_label(session, MediaItem.tags, filters.tag))
    if filters.q:
        query = query.where(
            or_(
                mentions(filters.q, MediaItem.name), holds_label(session, MediaItem.tags, filters.q)
            )
        )
    query = paginate(
        query, created_at=MediaItem.created_at, row_id=MediaItem.id, cursor=cursor, limit=limit
    )
    return (await session.scalars(query)).all()


async def existing_ids(
    session: AsyncSession, workspace_id: str, media_ids: Sequence[str]
) -> set[str]:
    if not media_ids:
        return set()
    query = select(MediaItem.id).where(
        MediaItem.workspace_id == workspace_id, MediaItem.id.in_(media_ids)
    )
    return set((await session.scalars(query)).all())


async def items_by_id(
    session: AsyncSession, workspace_id: str, media_ids: Sequence[str]
) -> dict[str, MediaItem]:
    if not media_ids:
        return {}
    query = select(MediaItem).where(
        MediaItem.workspace_id == workspace_id, MediaItem.id.in_(media_ids)
    )
    return {item.id: item for item in (await session.scalars(query)).all()}


async def committed_posts(session: AsyncSession, workspace_id: str, media_id: str) -> list[str]:
    """Ids of the scheduled and published posts that list the item."""
    users = union(
        select(PostMedia.post_id).where(
            PostMedia.workspace_id == workspace_id, PostMedia.media_id == media_id
        ),
        select(PostVariantMedia.post_id).where(
            PostVariantMedia.workspace_id == workspace_id, PostVariantMedia.media_id == media_id
        ),
    ).subquery()
    query = (
        select(Post.id)
        .where(Post.id.in_(select(users.c.post_id)), Post.status.in_(COMMITTED_STATES))
        .order_by(Post.id)
    )
    return list((await session.scalars(query)).all())


async def unlink(session: AsyncSession, workspace_id: str, media_id: str) -> None:
    """Take the item out of every post's and variant's list (the rest keep their order)."""
    for table in (PostMedia, PostVariantMedia):
        await session.execute(
            delete(table).where(table.workspace_id == workspace_id, table.media_id == media_id)
        )
