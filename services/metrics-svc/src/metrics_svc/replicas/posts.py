"""Published posts (content-svc) and where each went live (channel-svc), with the
platform's id of each copy, through which figures name a post; and, from user-svc, the
comments the community inbox counted for posts whose platform reports none and the
sentiment of each interaction with text on a post."""

from __future__ import annotations

from event_contracts import DistributionSucceededV1, InteractionReceivedV1, PostPublishedV1
from servicekit.db import dialect_insert, insert_if_new, utcnow
from servicekit.shapes import columns_of
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.ingestion.rollups.store import redate
from metrics_svc.kit.upserts import replace_if_newer
from metrics_svc.models import InteractionCount, InteractionSentiment, Post, PostChannel
from metrics_svc.replicas.campaigns import join_campaign
from metrics_svc.replicas.channels import ensure_channels

# Interactions that a platform would count as comments on the post.
COMMENT_KINDS = frozenset({"comment", "reply"})


async def record_post(session: AsyncSession, post: PostPublishedV1) -> None:
    """A published post: its title and tags (a newer version wins), and its channels."""
    if post.occurrence > 0:
        # A recurring post sent again is the same post on the same channels: its ages stay
        # measured from its first publication.
        return
    current = await replace_if_newer(
        session,
        Post,
        (post.workspace_id, post.post_id),
        {
            "title": post.title,
            "tags": list(post.tags),
            "keywords": list(post.keywords),
            "version": post.version,
            "published_at": post.published_at,
            "campaign_id": post.campaign_id,
            "updated_at": utcnow(),
        },
        # A later event of the same version sends the post to more channels: the post keeps
        # the date it was first published.
        newer=lambda row: (
            post.version > row.version
            or (post.version == row.version and post.published_at <= row.published_at)
        ),
    )
    await session.flush()
    if current:
        await join_campaign(session, post.workspace_id, post.post_id, post.campaign_id)
    if not post.channel_ids:
        return
    # A statement for the channels and one for the post's copies, however many there are.
    await ensure_channels(session, post.workspace_id, post.channel_ids, None)
    copies = [
        {
            "workspace_id": post.workspace_id,
            "post_id": post.post_id,
            "channel_id": channel_id,
            "published_at": post.published_at,
        }
        for channel_id in sorted(set(post.channel_ids))  # in key order, as the channels
    ]
    await session.execute(
        dialect_insert(session, PostChannel).values(copies).on_conflict_do_nothing()
    )


async def record_distribution(session: AsyncSession, sent: DistributionSucceededV1) -> None:
    """A post reached a channel: remember the platform's id and url of the copy, and when
    it went live there (the time an operator gives for a manual copy, else the success)."""
    went_live = sent.published_at or sent.succeeded_at
    await ensure_channels(session, sent.workspace_id, [sent.channel_id], sent.platform)
    post = await session.get(Post, (sent.workspace_id, sent.post_id))
    if post is None:  # post.published not seen yet (topics are not ordered between them)
        session.add(Post(workspace_id=sent.workspace_id, id=sent.post_id, published_at=went_live))
        await session.flush()
    row = await session.get(PostChannel, (sent.workspace_id, sent.post_id, sent.channel_id))
    if row is None:
        session.add(PostChannel(**columns_of(sent, PostChannel) | {"published_at": went_live}))
        return
    row.platform = sent.platform
    row.external_id = sent.external_id or row.external_id
    row.url = sent.url or row.url
    if sent.published_at is not None and row.published_at != sent.published_at:
        # post.published dated the copy at the release; the operator posted it at another time
        row.published_at = sent.published_at
        await redate(session, sent.workspace_id, sent.post_id, sent.channel_id, sent.published_at)


async def count_interaction(session: AsyncSession, interaction: InteractionReceivedV1) -> None:
    """A comment on one of our posts counts towards its comments on that platform; an
    interaction with text on one of our posts keeps its sentiment (once, by its id)."""
    if interaction.post_id is None:
        return
    if interaction.sentiment is not None:
        await insert_if_new(
            session,
            InteractionSentiment,
            workspace_id=interaction.workspace_id,
            interaction_id=interaction.interaction_id,
            post_id=interaction.post_id,
            platform=interaction.platform,
            sentiment=interaction.sentiment,
            occurred_at=interaction.occurred_at,
        )
    if interaction.kind not in COMMENT_KINDS:
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
