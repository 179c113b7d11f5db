"""The states of a post, the actions that move it, and the record of each move.

    draft --submit--> in_review --approve--> approved --publish--> published
      ^                   |                     |           \\--(scheduled_at)--> scheduled
      \\--request-changes--/---------------------/                                   |
                                                             the scheduler publishes it

Any state but archived can be archived. An edit of an approved or scheduled post sends it
back to review (see `service.edit_post`). Owners may publish a draft directly unless the
workspace turns that off (`owners_may_skip_review`); with `require_review` off, editors may
too. Every step is recorded with who and when. The review steps are in `review`,
publishing (now or at a set time) in `publishing`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from event_contracts import PostReviewChangedV1, ReviewAction
from servicekit.db import utcnow
from servicekit.problems import Conflict
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.events import emit
from content_svc.models import Post, PostStatus, PostTransition

# Action -> the states it may start from.
ACTIONS: dict[str, tuple[PostStatus, ...]] = {
    "edit": (PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED, PostStatus.SCHEDULED),
    "submit": (PostStatus.DRAFT,),
    "approve": (PostStatus.IN_REVIEW,),
    "request-changes": (PostStatus.IN_REVIEW, PostStatus.APPROVED, PostStatus.SCHEDULED),
    "publish": (
        PostStatus.DRAFT,
        PostStatus.IN_REVIEW,
        PostStatus.APPROVED,
        PostStatus.SCHEDULED,
        PostStatus.PUBLISHED,
    ),
    "archive": (
        PostStatus.DRAFT,
        PostStatus.IN_REVIEW,
        PostStatus.APPROVED,
        PostStatus.SCHEDULED,
        PostStatus.PUBLISHED,
    ),
}


def allowed_actions(status: str) -> list[str]:
    return [action for action, starts in ACTIONS.items() if status in starts]


def refuse(post: Post, action: str, why: str | None = None, **extra: Any) -> Conflict:
    allowed = allowed_actions(post.status)
    detail = why or f"A {post.status} post cannot be asked to {action}."
    return Conflict(
        f"{detail} Allowed now: {', '.join(allowed) or 'nothing'}.",
        post_status=post.status,
        allowed_actions=allowed,
        **extra,
    )


def require_state(post: Post, action: str) -> None:
    if post.status not in ACTIONS[action]:
        raise refuse(post, action)


def record_transition(
    session: AsyncSession,
    post: Post,
    actor_id: str,
    *,
    action: str,
    to_status: PostStatus,
    comment: str | None = None,
    unschedule: bool = False,
) -> None:
    """Record a move of `post` and make it. A move away from publication (changes
    requested, archived, edited after approval) passes `unschedule`: the post's schedule,
    if it had one, is dropped."""
    now = utcnow()
    session.add(
        PostTransition(
            id=str(uuid.uuid4()),
            post_id=post.id,
            workspace_id=post.workspace_id,
            action=action,
            from_status=post.status,
            to_status=to_status.value,
            actor_id=actor_id,
            comment=comment,
            version=post.version,
            at=now,
        )
    )
    post.status = to_status.value
    post.updated_at = now
    if unschedule:
        post.scheduled_at = None
        post.scheduled_channel_ids = []
        post.channel_send_at = {}
    _announce_review(session, post, actor_id, action, comment, now)


def _announce_review(
    session: AsyncSession,
    post: Post,
    actor_id: str,
    action: str,
    comment: str | None,
    now: datetime,
) -> None:
    """Tell whoever waits on the review (the gateway notifies reviewers, the author): a
    post that arrives in review (submitted, or edited after approval), is sent back, or is
    approved."""
    if post.status == PostStatus.IN_REVIEW.value:
        step: ReviewAction = "submitted"
    elif action == "request-changes":
        step = "changes_requested"
    elif action == "approve":
        step = "approved"
    else:
        return
    changed = PostReviewChangedV1(
        post_id=post.id,
        workspace_id=post.workspace_id,
        title=post.title,
        version=post.version,
        author_id=post.author_id,
        actor_id=actor_id,
        action=step,
        comment=comment,
        changed_at=now,
    )
    emit(session, changed)


def review_again(session: AsyncSession, post: Post, actor_id: str, comment: str) -> None:
    """An approved or scheduled post whose content changed goes back to review (its
    schedule dropped); in any other status nothing moves."""
    if post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED):
        record_transition(
            session,
            post,
            actor_id,
            action="edit",
            to_status=PostStatus.IN_REVIEW,
            comment=comment,
            unschedule=True,
        )
