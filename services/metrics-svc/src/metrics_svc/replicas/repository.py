"""Reading the local copies: channels, posts and where each post went."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.chunks import scalars_by_chunk
from metrics_svc.models import Channel, Post, PostChannel


async def channel_names(session: AsyncSession, workspace_id: str) -> dict[str, Channel]:
    """The workspace's channels by id (deleted ones too: old figures still name them)."""
    rows = await session.scalars(select(Channel).where(Channel.workspace_id == workspace_id))
    return {row.id: row for row in rows}


async def posts_by_id(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> dict[str, Post]:
    posts = await scalars_by_chunk(
        session,
        lambda ids: select(Post).where(Post.workspace_id == workspace_id, Post.id.in_(ids)),
        list(post_ids),
    )
    return {post.id: post for post in posts}


async def placements(
    session: AsyncSession, workspace_id: str, post_ids: Sequence[str]
) -> list[PostChannel]:
    """Where these posts went, each in the order the copies went live."""
    return await scalars_by_chunk(
        session,
        lambda ids: (
            select(PostChannel)
            .where(PostChannel.workspace_id == workspace_id, PostChannel.post_id.in_(ids))
            .order_by(PostChannel.published_at, PostChannel.channel_id)
        ),
        list(post_ids),
    )


def channel_labels(names: dict[str, Channel], channel_id: str) -> dict[str, str | None]:
    """A channel as the reports show it: its id, name and platform (None when unknown)."""
    channel = names.get(channel_id)
    return {
        "channel_id": channel_id,
        "name": channel.name if channel else None,
        "platform": channel.platform if channel else None,
    }
