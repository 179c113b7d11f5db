"""The review workflow and publishing: who may move a post where, now or at a set time.

    draft --submit--> in_review --approve--> approved --publish--> published
      ^                   |                     |           \\--(scheduled_at)--> scheduled
      \\--request-changes--/---------------------/                                   |
                                                             the scheduler publishes it

Any state but archived can be archived. An edit of an approved or scheduled post sends it
back to review (see `service.edit_post`). Owners may publish a draft directly unless the
workspace turns that off (`owners_may_skip_review`); with `require_review` off, editors may
too. Every step is recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.outbox import add_event
from servicekit.problems import Conflict, FieldError, Forbidden, Invalid, TooLarge
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.channels.service import ChannelLookup, check_channels
from content_svc.models import (
    DeliveryStatus,
    OutboxMessage,
    Post,
    PostChannel,
    PostStatus,
    ReviewSettings,
)
from content_svc.posts import repository
from content_svc.posts.events import check_fits, published_event
from content_svc.posts.schemas import ReviewSettingsUpdate
from content_svc.posts.service import canonical_id, get_post
from content_svc.posts.states import record_transition, refuse, require_state

log = structlog.get_logger(__name__)

SCHEDULER = "scheduler"
# A scheduled time closer than this is "now".
SCHEDULE_SLACK = timedelta(seconds=5)
SCHEDULE_HORIZON = timedelta(days=366)

# ---- review settings ---------------------------------------------------------------------


async def review_settings(session: AsyncSession, workspace_id: str) -> ReviewSettings:
    row = await session.get(ReviewSettings, workspace_id)
    if row is None:
        # The defaults, not stored until someone changes them.
        return ReviewSettings(
            workspace_id=workspace_id,
            require_review=True,
            owners_may_skip_review=True,
            allow_self_approval=False,
            updated_by="",
        )
    return row


async def change_review_settings(
    session: AsyncSession, caller: Caller, data: ReviewSettingsUpdate
) -> ReviewSettings:
    if not caller.has_role("owner"):
        raise Forbidden("Only owners change the review rules.")
    row = await session.get(ReviewSettings, caller.workspace_id, with_for_update=True)
    if row is None:
        row = await review_settings(session, caller.workspace_id)
        session.add(row)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by = caller.user_id
    await session.flush()
    return row


# ---- review ------------------------------------------------------------------------------


async def submit(session: AsyncSession, caller: Caller, post_id: str) -> Post:
    post = await get_post(session, caller, post_id, for_update=True)
    require_state(post, "submit")
    record_transition(
        session, post, caller.user_id, action="submit", to_status=PostStatus.IN_REVIEW
    )
    await session.flush()
    return post


async def approve(
    session: AsyncSession, caller: Caller, post_id: str, version: int, comment: str | None
) -> Post:
    """Approve `version`, the one the reviewer read; a later version is a 409, since the
    approval would otherwise cover text nobody reviewed (a post in review can be edited).

    Unless the workspace allows self-approval, nobody approves text they wrote: neither the
    author nor anyone who wrote a revision up to this version (a reviewer who fixed the post
    while it was in review must leave the approval to someone else).
    """
    post = await get_post(session, caller, post_id, for_update=True)
    require_state(post, "approve")
    if version != post.version:
        raise Conflict(
            f"This approval is of version {version}, but the post is at version "
            f"{post.version} now; read the newest version before approving it.",
            current_version=post.version,
            errors=[FieldError(field="version", message=f"the post is at {post.version}")],
        )
    settings = await review_settings(session, caller.workspace_id)
    if not settings.allow_self_approval:
        if post.author_id == caller.user_id:
            raise Forbidden(
                "Nobody approves their own post in this workspace; ask another reviewer or owner."
            )
        if caller.user_id in await repository.editors_up_to(session, post.id, version):
            raise Forbidden(
                "You edited this post, and nobody approves their own edits in this "
                "workspace; ask another reviewer or owner."
            )
    record_transition(
        session,
        post,
        caller.user_id,
        action="approve",
        to_status=PostStatus.APPROVED,
        comment=comment,
    )
    await session.flush()
    return post


async def request_changes(
    session: AsyncSession, caller: Caller, post_id: str, comment: str
) -> Post:
    post = await get_post(session, caller, post_id, for_update=True)
    require_state(post, "request-changes")
    record_transition(
        session,
        post,
        caller.user_id,
        action="request-changes",
        to_status=PostStatus.DRAFT,
        comment=comment,
    )
    post.scheduled_at = None
    post.scheduled_channel_ids = []
    await session.flush()
    return post


async def archive(session: AsyncSession, caller: Caller, post_id: str, comment: str | None) -> Post:
    post = await get_post(session, caller, post_id, for_update=True)
    require_state(post, "archive")
    record_transition(
        session,
        post,
        caller.user_id,
        action="archive",
        to_status=PostStatus.ARCHIVED,
        comment=comment,
    )
    post.scheduled_at = None
    post.scheduled_channel_ids = []
    await session.flush()
    return post


# ---- publishing --------------------------------------------------------------------------


def _requested_channels(channel_ids: Sequence[str]) -> list[str]:
    """Canonical channel ids in the order given; malformed or repeated ones are a 422."""
    errors: list[FieldError] = []
    canonical: list[str] = []
    for index, raw in enumerate(channel_ids):
        name = f"channel_ids.{index}"
        channel_id = canonical_id(raw)
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


async def _may_skip_review(session: AsyncSession, caller: Caller, post: Post) -> str | None:
    """Why `caller` may publish `post` before it is approved, or None when they may not."""
    settings = await review_settings(session, caller.workspace_id)
    if not settings.require_review:
        return "published without review (the workspace does not require review)"
    if caller.has_role("owner") and settings.owners_may_skip_review:
        return "published by an owner without review"
    return None


async def publish_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    channel_ids: Sequence[str],
    channels: ChannelLookup,
    *,
    scheduled_at: datetime | None = None,
) -> Post:
    """Publish a post to live channels of the workspace now, or schedule it.

    Publishing again to the same channels changes nothing (a retried request is safe);
    to other channels it is a conflict, since a published post's channel set is final.
    """
    # The row lock makes two concurrent publishes of one post take turns (PostgreSQL;
    # SQLite's write lock does the same), so only one of them writes the event.
    post = await get_post(session, caller, post_id, for_update=True)
    requested = _requested_channels(channel_ids)
    now = utcnow()
    if scheduled_at is not None:
        if scheduled_at > now + SCHEDULE_HORIZON:
            raise Invalid.field("scheduled_at", "may be at most a year ahead")
        if scheduled_at <= now + SCHEDULE_SLACK:
            scheduled_at = None

    if post.status == PostStatus.PUBLISHED.value:
        current = sorted(row.channel_id for row in post.channels)
        if sorted(requested) == current:
            return post
        raise Conflict(
            f"This post is already published to channels {', '.join(current)}; "
            "a published post cannot be sent to another set of channels.",
            published_channel_ids=current,
        )
    require_state(post, "publish")
    check_fits(post)  # a post stored before the size rule: refused now, not at its time
    skip_reason: str | None = None
    if post.status in (PostStatus.DRAFT.value, PostStatus.IN_REVIEW.value):
        skip_reason = await _may_skip_review(session, caller, post)
        if skip_reason is None:
            raise refuse(
                post,
                "publish",
                f"A {post.status} post needs a reviewer's or an owner's approval before it "
                "is published.",
            )
    if (
        post.status == PostStatus.SCHEDULED.value
        and scheduled_at is not None
        and scheduled_at == post.scheduled_at
        and sorted(requested) == sorted(post.scheduled_channel_ids)
    ):
        return post  # the same schedule again

    checks = await check_channels(session, caller.workspace_id, requested, channels)
    errors = [
        FieldError(field=f"channel_ids.{index}", message=f"{check.problem}: {channel_id}")
        for index, channel_id in enumerate(requested)
        for check in [checks[channel_id]]
        if not check.live
    ]
    if errors:
        raise Invalid(_describe(errors), errors=errors)

    if scheduled_at is not None:
        record_transition(
            session,
            post,
            caller.user_id,
            action="publish",
            to_status=PostStatus.SCHEDULED,
            comment=_join(skip_reason, f"scheduled for {scheduled_at.isoformat()}"),
        )
        post.scheduled_at = scheduled_at
        post.scheduled_channel_ids = sorted(requested)
        await session.flush()
        return post

    record_transition(
        session,
        post,
        caller.user_id,
        action="publish",
        to_status=PostStatus.PUBLISHED,
        comment=skip_reason,
    )
    platforms = {channel_id: checks[channel_id].platform for channel_id in requested}
    _release(session, post, requested, platforms, now)
    await session.flush()
    return post


def _join(*parts: str | None) -> str | None:
    text = "; ".join(part for part in parts if part)
    return text or None


def _release(
    session: AsyncSession,
    post: Post,
    channel_ids: list[str],
    platforms: dict[str, str | None],
    now: datetime,
) -> None:
    """Mark the post published on its channels and write `post.published` to the outbox."""
    post.status = PostStatus.PUBLISHED.value
    post.published_at = now
    post.updated_at = now
    post.scheduled_channel_ids = []
    # In the order the relationship loads them, so that this answer equals a later GET.
    for channel_id in sorted(channel_ids):
        post.channels.append(
            PostChannel(
                channel_id=channel_id,
                workspace_id=post.workspace_id,
                status=DeliveryStatus.PENDING.value,
                platform=platforms.get(channel_id),
                reasons=[],
                updated_at=now,
            )
        )
    add_event(session, OutboxMessage, published_event(post, channel_ids, now))


async def publish_due(
    session: AsyncSession, *, now: datetime | None = None, limit: int = 50
) -> int:
    """Publish scheduled posts whose time has come; returns how many were published.

    The posts are claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer),
    and their status changes in the same transaction as the event is written, so a restart
    neither loses a publication (it is still `scheduled`) nor doubles it (it is `published`).
    """
    now = now or utcnow()
    due = await repository.claim_due_posts(session, now, limit=limit)
    published = 0
    for post in due:
        try:
            check_fits(post)
        except TooLarge as exc:
            # Scheduled before the size rule: an event no broker takes would fail this
            # round, and every round after it, for every post due with it.
            record_transition(
                session,
                post,
                SCHEDULER,
                action="request-changes",
                to_status=PostStatus.DRAFT,
                comment=f"Not published at the scheduled time: {exc.detail}",
            )
            post.scheduled_at = None
            post.scheduled_channel_ids = []
            log.warning("scheduled_post_too_large", post_id=post.id, detail=exc.detail)
            continue
        known = await repository.known_platforms(
            session, post.workspace_id, post.scheduled_channel_ids
        )
        channel_ids = list(post.scheduled_channel_ids)
        record_transition(
            session,
            post,
            SCHEDULER,
            action="publish",
            to_status=PostStatus.PUBLISHED,
            comment="published at the scheduled time",
        )
        _release(session, post, channel_ids, known, now)
        log.info("scheduled_post_published", post_id=post.id, workspace_id=post.workspace_id)
        published += 1
    await session.flush()
    return published
