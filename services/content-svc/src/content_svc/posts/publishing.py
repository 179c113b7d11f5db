"""Publishing a post: to live channels of the workspace, now or at a set time.

A publication checks the channels (the local copy first, then channel-svc), moves the post
to `published` and writes `post.published` in the same transaction; a scheduled one waits
in `scheduled` until `publish_due` (the runtime's scheduler) releases it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Conflict, FieldError, Invalid, TooLarge
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.kit.ids import canonical_id
from content_svc.kit.problems import invalid
from content_svc.media.service import Library
from content_svc.models import DeliveryStatus, Post, PostChannel, PostStatus
from content_svc.posts import repository
from content_svc.posts.review import review_settings
from content_svc.posts.schemas import ChannelOptions
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import check_fits, publication
from content_svc.posts.states import record_transition, refuse, require_state
from content_svc.queue import repository as queue_claims
from content_svc.replicas import repository as replicas
from content_svc.replicas.channels import ChannelLookup, require_live

log = structlog.get_logger(__name__)

SCHEDULER = "scheduler"
# A scheduled time closer than this is "now".
SCHEDULE_SLACK = timedelta(seconds=5)
SCHEDULE_HORIZON = timedelta(days=366)
# The platform whose channels may mass-send a post to their followers.
MASS_SEND_PLATFORM = "wechat_oa"


def requested_channels(channel_ids: Sequence[str]) -> list[str]:
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
        raise invalid(errors)
    return canonical


def _requested_options(
    options: Mapping[str, ChannelOptions], requested: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The options that differ from publishing, by canonical channel id; a 422 naming
    `channel_options.<id>...` for an id not among the channels or a segment without a
    mass send."""
    errors: list[FieldError] = []
    chosen: dict[str, dict[str, Any]] = {}
    for raw, option in options.items():
        name = f"channel_options.{raw}"
        channel_id = canonical_id(raw)
        if channel_id is None or channel_id not in requested:
            errors.append(FieldError(field=name, message="is not one of channel_ids"))
        elif option.segment_id is not None and option.mode != "mass_send":
            errors.append(
                FieldError(field=f"{name}.segment_id", message="is for mode mass_send only")
            )
        elif option.mode == "mass_send":
            chosen[channel_id] = {"mode": option.mode, "segment_id": option.segment_id}
    if errors:
        raise invalid(errors)
    return chosen


def _require_mass_send_platforms(
    chosen: Mapping[str, Mapping[str, Any]], platforms: Mapping[str, str | None]
) -> None:
    """Only a WeChat official account mass-sends (a 422 naming the option's mode)."""
    errors = [
        FieldError(
            field=f"channel_options.{channel_id}.mode",
            message=f"mass_send is for {MASS_SEND_PLATFORM} channels only, not "
            f"{platforms.get(channel_id) or 'this channel'}",
        )
        for channel_id in chosen
        if platforms.get(channel_id) != MASS_SEND_PLATFORM
    ]
    if errors:
        raise invalid(errors)


async def may_skip_review(session: AsyncSession, caller: Caller) -> str | None:
    """Why `caller` may publish a post before it is approved, or None when they may not."""
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
    library: Library,
    scheduled_at: datetime | None = None,
    options: Mapping[str, ChannelOptions] | None = None,
    send_at: Mapping[str, datetime] | None = None,
) -> Post:
    """Publish a post to live channels of the workspace now, or schedule it.

    Publishing again to the same channels changes nothing (a retried request is safe);
    to other channels it is a conflict, since a published post's channel set is final.

    `send_at` is the posting queue's: each channel's own slot, `scheduled_at` the earliest
    of them, and the queue's claims on them made by the caller. Any other schedule, and
    publishing now, takes the post out of the queue: its claims go.
    """
    # The row lock makes two concurrent publishes of one post take turns (PostgreSQL;
    # SQLite's write lock does the same), so only one of them writes the event.
    post = await get_post(session, caller, post_id, for_update=True)
    requested = requested_channels(channel_ids)
    chosen = _requested_options(options or {}, requested)
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
        skip_reason = await may_skip_review(session, caller)
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
        and chosen == (post.channel_options or {})
        and dict(send_at or {}) == post.send_times
    ):
        return post  # the same schedule again

    checks = await require_live(session, caller.workspace_id, requested, channels)
    platforms = {channel_id: checks[channel_id].platform for channel_id in requested}
    _require_mass_send_platforms(chosen, platforms)
    post.channel_options = chosen
    post.send_times = send_at or {}
    if send_at is None:
        await queue_claims.drop_claims_of(session, post.id)

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

    await _release(
        session, library, post, caller.user_id, requested, platforms, now, comment=skip_reason
    )
    await session.flush()
    return post


def _join(*parts: str | None) -> str | None:
    text = "; ".join(part for part in parts if part)
    return text or None


async def _release(
    session: AsyncSession,
    library: Library,
    post: Post,
    actor_id: str,
    channel_ids: list[str],
    platforms: dict[str, str | None],
    now: datetime,
    *,
    comment: str | None,
) -> None:
    """Record the publication, mark the post published on its channels and write
    `post.published` to the outbox."""
    record_transition(
        session, post, actor_id, action="publish", to_status=PostStatus.PUBLISHED, comment=comment
    )
    post.published_at = now
    post.updated_at = now
    post.scheduled_channel_ids = []
    # A channel whose queue slot is still to come keeps its claim until its distribution
    # goes out (see `queue.repository`); the others went out now.
    later = {
        channel_id: at
        for channel_id, at in post.send_times.items()
        if channel_id in channel_ids and at > now
    }
    await queue_claims.drop_claims_of(session, post.id, keep=list(later))
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
    emit(session, await publication(session, library, post, channel_ids, now, send_at=later))


async def publish_due(
    session: AsyncSession, library: Library, *, now: datetime | None = None, limit: int = 50
) -> int:
    """Publish scheduled posts whose time has come; returns how many were published.

    The posts are claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer),
    and their status changes in the same transaction as the event is written, so a restart
    neither loses a publication (it is still `scheduled`) nor doubles it (it is `published`).
    """
    now = now or utcnow()
    due = await repository.claim_due_posts(session, now, limit=limit)
    published_count = 0
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
                unschedule=True,
            )
            log.warning("scheduled_post_too_large", post_id=post.id, detail=exc.detail)
            continue
        channel_ids = list(post.scheduled_channel_ids)
        known = await replicas.platforms_of(session, post.workspace_id, channel_ids)
        await _release(
            session,
            library,
            post,
            SCHEDULER,
            channel_ids,
            known,
            now,
            comment="published at the scheduled time",
        )
        log.info("scheduled_post_published", post_id=post.id, workspace_id=post.workspace_id)
        published_count += 1
    await session.flush()
    return published_count
