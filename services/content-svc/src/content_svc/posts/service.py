"""The rules of posts: writing drafts, publishing them, and recording how delivery went.

Functions take the caller's session and never commit; they raise the problem errors of
servicekit (`NotFound`, `Invalid`, `Conflict`) and know nothing of HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from event_contracts import CloudEvent, PostPublishedV1
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.outbox import add_event
from servicekit.problems import Conflict, FieldError, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.channels.service import ChannelLookup, check_channels
from content_svc.kit.cursors import decode_cursor, encode_cursor
from content_svc.models import DeliveryStatus, OutboxMessage, Post, PostChannel, PostStatus
from content_svc.posts import repository
from content_svc.posts.schemas import PostCreate
from content_svc.rendering import render_markdown

log = structlog.get_logger(__name__)

SOURCE = "/content-svc"
POST_PUBLISHED = "post.published"


def _canonical_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


async def create_post(session: AsyncSession, caller: Caller, data: PostCreate) -> Post:
    now = utcnow()
    post = Post(
        id=str(uuid.uuid4()),
        workspace_id=caller.workspace_id,
        title=data.title,
        body_markdown=data.body_markdown,
        body_html=render_markdown(data.body_markdown),
        summary=data.summary,
        cover_url=str(data.cover_url) if data.cover_url is not None else None,
        tags=list(data.tags),
        keywords=list(data.keywords),
        status=PostStatus.DRAFT.value,
        version=1,
        author_id=caller.user_id,
        created_at=now,
        updated_at=now,
        channels=[],
    )
    session.add(post)
    await session.flush()
    return post


async def list_posts(
    session: AsyncSession, caller: Caller, *, limit: int, cursor: str | None
) -> tuple[Sequence[Post], str | None]:
    """One page of the workspace's posts, newest first, and the cursor of the next page."""
    before = decode_cursor(cursor) if cursor else None
    # One row more than asked tells whether another page follows.
    rows = await repository.list_posts(session, caller.workspace_id, limit=limit + 1, before=before)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return page, next_cursor


async def get_post(
    session: AsyncSession, caller: Caller, post_id: str, *, for_update: bool = False
) -> Post:
    """The caller's post; another workspace's post, or no post at all, is a 404 alike."""
    canonical = _canonical_id(post_id)
    post = None
    if canonical is not None:
        post = await repository.get_post(
            session, caller.workspace_id, canonical, for_update=for_update
        )
    if post is None:
        raise NotFound(f"There is no post {post_id!r} in this workspace.")
    return post


def _requested_channels(channel_ids: Sequence[str]) -> list[str]:
    """Canonical channel ids in the order given; malformed or repeated ones are a 422."""
    errors: list[FieldError] = []
    canonical: list[str] = []
    for index, raw in enumerate(channel_ids):
        name = f"channel_ids.{index}"
        channel_id = _canonical_id(raw)
        if channel_id is None:
            errors.append(FieldError(field=name, message=f"{raw!r} is not a channel id"))
        elif channel_id in canonical:
            errors.append(FieldError(field=name, message=f"channel {raw} is listed twice"))
        else:
            canonical.append(channel_id)
    if errors:
        raise Invalid(_describe(errors), errors=errors)
    return canonical


def _describe(errors: list[FieldError]) -> str:
    return "; ".join(f"{error.field}: {error.message}" for error in errors)


async def publish_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    channel_ids: Sequence[str],
    channels: ChannelLookup,
) -> Post:
    """Publish a post to live channels of the workspace, with `post.published` in the outbox.

    Publishing again to the same channels changes nothing (a retried request is safe);
    to other channels it is a conflict, since a published post's channel set is final.
    """
    # The row lock makes two concurrent publishes of one draft take turns (PostgreSQL;
    # SQLite's write lock does the same), so only one of them writes the event.
    post = await get_post(session, caller, post_id, for_update=True)
    requested = _requested_channels(channel_ids)

    if post.status == PostStatus.PUBLISHED.value:
        current = sorted(row.channel_id for row in post.channels)
        if sorted(requested) == current:
            return post
        raise Conflict(
            f"This post is already published to channels {', '.join(current)}; "
            "a published post cannot be sent to another set of channels.",
            published_channel_ids=current,
        )

    checks = await check_channels(session, caller.workspace_id, requested, channels)
    errors = [
        FieldError(field=f"channel_ids.{index}", message=f"{check.problem}: {channel_id}")
        for index, channel_id in enumerate(requested)
        for check in [checks[channel_id]]
        if not check.live
    ]
    if errors:
        raise Invalid(_describe(errors), errors=errors)

    now = utcnow()
    post.status = PostStatus.PUBLISHED.value
    post.published_at = now
    post.updated_at = now
    # In the order the relationship loads them, so that this answer equals a later GET.
    for channel_id in sorted(requested):
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
    add_event(session, OutboxMessage, _published_event(post, requested, now))
    await session.flush()
    return post


def _published_event(post: Post, channel_ids: list[str], published_at: datetime) -> CloudEvent:
    snapshot = PostPublishedV1(
        post_id=post.id,
        workspace_id=post.workspace_id,
        version=post.version,
        title=post.title,
        body_markdown=post.body_markdown,
        body_html=post.body_html,
        summary=post.summary,
        cover_url=post.cover_url,
        tags=list(post.tags),
        keywords=list(post.keywords),
        channel_ids=channel_ids,
        author_id=post.author_id,
        published_at=published_at,
    )
    return CloudEvent.create(POST_PUBLISHED, SOURCE, post.id, post.workspace_id, snapshot)


@dataclass(frozen=True)
class DistributionOutcome:
    """What channel-svc reported for one post on one channel."""

    workspace_id: str
    post_id: str
    channel_id: str
    distribution_id: str
    platform: str
    status: DeliveryStatus
    happened_at: datetime
    url: str | None = None
    external_id: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _is_stale(row: PostChannel, outcome: DistributionOutcome) -> str | None:
    """Why `outcome` must not replace what the row shows, or None when it may."""
    if (
        row.status == DeliveryStatus.SUCCEEDED.value
        and outcome.status == DeliveryStatus.FAILED
        and row.distribution_id == outcome.distribution_id
    ):
        return "the distribution already succeeded"
    if row.outcome_at is not None:
        if outcome.happened_at < row.outcome_at:
            return "older than the outcome shown"
        if outcome.happened_at == row.outcome_at and outcome.status != DeliveryStatus.SUCCEEDED:
            return "no newer than the outcome shown"
    return None


async def record_distribution_outcome(session: AsyncSession, outcome: DistributionOutcome) -> bool:
    """Show `outcome` on the post's channel row; False when it is unknown or stale."""
    bound = log.bind(
        post_id=outcome.post_id,
        channel_id=outcome.channel_id,
        distribution_id=outcome.distribution_id,
        outcome=outcome.status.value,
    )
    row = await repository.get_post_channel(
        session, outcome.workspace_id, outcome.post_id, outcome.channel_id
    )
    if row is None:
        bound.warning("distribution_outcome_ignored", reason="no such post on that channel")
        return False
    stale = _is_stale(row, outcome)
    if stale is not None:
        bound.info("distribution_outcome_ignored", reason=stale)
        return False
    row.status = outcome.status.value
    row.platform = outcome.platform
    row.distribution_id = outcome.distribution_id
    row.outcome_at = outcome.happened_at
    row.updated_at = utcnow()
    if outcome.status == DeliveryStatus.SUCCEEDED:
        row.url = outcome.url
        row.external_id = outcome.external_id
        row.reasons = []
    else:
        row.url = None
        row.external_id = None
        row.reasons = list(outcome.reasons)
    return True
