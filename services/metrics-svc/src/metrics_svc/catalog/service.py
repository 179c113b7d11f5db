"""Local copies of other services' data, kept from their events: channels, posts, and
where each post went (with the platform's id, through which figures name a post)."""

from __future__ import annotations

from datetime import UTC, datetime

from event_contracts import (
    ChannelChangedV1,
    DistributionSucceededV1,
    InteractionReceivedV1,
    PostPublishedV1,
)
from servicekit.db import utcnow
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.catalog.campaigns import join_campaign
from metrics_svc.ingestion.rollups import redate
from metrics_svc.kit import dialect_insert
from metrics_svc.models import Channel, InteractionCount, Post, PostChannel

# Interactions that a platform would count as comments on the post.
COMMENT_KINDS = frozenset({"comment", "reply"})

# A channel first seen in a post's snapshot: any channel.changed event is newer.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


async def _ensure_channel(
    session: AsyncSession, workspace_id: str, channel_id: str, platform: str | None
) -> None:
    insert = dialect_insert(session, Channel).values(
        workspace_id=workspace_id,
        id=channel_id,
        platform=platform,
        deleted=False,
        updated_at=_NEVER,
    )
    if platform is None:
        await session.execute(insert.on_conflict_do_nothing())
    else:
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=["workspace_id", "id"], set_={"platform": platform}
            )
        )


async def record_post(session: AsyncSession, post: PostPublishedV1) -> None:
    """A published post: its title and tags (a newer version wins), and its channels."""
    existing = await session.get(Post, (post.workspace_id, post.post_id))
    if existing is None:
        session.add(
            Post(
                workspace_id=post.workspace_id,
                id=post.post_id,
                title=post.title,
                tags=list(post.tags),
                keywords=list(post.keywords),
                version=post.version,
                published_at=post.published_at,
                campaign_id=post.campaign_id,
            )
        )
    elif post.version >= existing.version:
        existing.title = post.title
        existing.tags = list(post.tags)
        existing.keywords = list(post.keywords)
        existing.version = post.version
        existing.published_at = post.published_at
        existing.campaign_id = post.campaign_id
        existing.updated_at = utcnow()
    await session.flush()
    current = await session.get(Post, (post.workspace_id, post.post_id))
    if current is not None and current.version == post.version:
        await join_campaign(session, post.workspace_id, post.post_id, post.campaign_id)
    for channel_id in post.channel_ids:
        await _ensure_channel(session, post.workspace_id, channel_id, None)
        await session.execute(
            dialect_insert(session, PostChannel)
            .values(
                workspace_id=post.workspace_id,
                post_id=post.post_id,
                channel_id=channel_id,
                published_at=post.published_at,
            )
            .on_conflict_do_nothing()
        )


async def record_distribution(session: AsyncSession, sent: DistributionSucceededV1) -> None:
    """A post reached a channel: remember the platform's id and url of the copy, and when
    it went live there (the time an operator gives for a manual copy, else the success)."""
    went_live = sent.published_at or sent.succeeded_at
    await _ensure_channel(session, sent.workspace_id, sent.channel_id, sent.platform)
    post = await session.get(Post, (sent.workspace_id, sent.post_id))
    if post is None:  # post.published not seen yet (topics are not ordered between them)
        session.add(Post(workspace_id=sent.workspace_id, id=sent.post_id, published_at=went_live))
        await session.flush()
    row = await session.get(PostChannel, (sent.workspace_id, sent.post_id, sent.channel_id))
    if row is None:
        session.add(
            PostChannel(
                workspace_id=sent.workspace_id,
                post_id=sent.post_id,
                channel_id=sent.channel_id,
                platform=sent.platform,
                external_id=sent.external_id,
                url=sent.url,
                published_at=went_live,
            )
        )
        return
    row.platform = sent.platform
    row.external_id = sent.external_id or row.external_id
    row.url = sent.url or row.url
    if sent.published_at is not None and row.published_at != sent.published_at:
        # post.published dated the copy at the release; the operator posted it at another time
        row.published_at = sent.published_at
        await redate(session, sent.workspace_id, sent.post_id, sent.channel_id, sent.published_at)


async def record_channel(session: AsyncSession, channel: ChannelChangedV1) -> None:
    row = await session.get(Channel, (channel.workspace_id, channel.channel_id))
    if row is None:
        session.add(
            Channel(
                workspace_id=channel.workspace_id,
                id=channel.channel_id,
                platform=channel.platform,
                name=channel.name,
                deleted=channel.deleted,
                updated_at=channel.changed_at,
            )
        )
    elif row.updated_at <= channel.changed_at:
        row.platform = channel.platform
        row.name = channel.name
        row.deleted = channel.deleted
        row.updated_at = channel.changed_at


async def count_interaction(session: AsyncSession, interaction: InteractionReceivedV1) -> None:
    """A comment on one of our posts counts towards its comments on that platform."""
    if interaction.post_id is None or interaction.kind not in COMMENT_KINDS:
        return
    insert = dialect_insert(session, InteractionCount).values(
        workspace_id=interaction.workspace_id,
        post_id=interaction.post_id,
        platform=interaction.platform,
        kind="comments",
        count=1,
    )
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "post_id", "platform", "kind"],
            set_={"count": InteractionCount.count + 1},
        )
    )


async def channel_names(session: AsyncSession, workspace_id: str) -> dict[str, Channel]:
    rows = await session.scalars(select(Channel).where(Channel.workspace_id == workspace_id))
    return {row.id: row for row in rows}
