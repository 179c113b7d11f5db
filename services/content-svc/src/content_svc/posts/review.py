"""The review of a post: the workspace's review rules, and the steps from draft to approved
(see the diagram in `states`). Publishing is in `publishing`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.problems import Conflict, FieldError, Forbidden
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.kit.zones import zone
from content_svc.models import DEFAULT_TIME_ZONE, Post, PostStatus, ReviewSettings
from content_svc.posts import repository
from content_svc.posts.schemas import ReviewSettingsUpdate
from content_svc.posts.service import get_post
from content_svc.posts.states import record_transition, require_state


async def review_settings(session: AsyncSession, workspace_id: str) -> ReviewSettings:
    row = await session.get(ReviewSettings, workspace_id)
    if row is None:
        # The defaults, not stored until someone changes them.
        return ReviewSettings(
            workspace_id=workspace_id,
            require_review=True,
            owners_may_skip_review=True,
            allow_self_approval=False,
            time_zone=DEFAULT_TIME_ZONE,
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
    return await _send_back(session, caller, post_id, "request-changes", PostStatus.DRAFT, comment)


async def archive(session: AsyncSession, caller: Caller, post_id: str, comment: str | None) -> Post:
    return await _send_back(session, caller, post_id, "archive", PostStatus.ARCHIVED, comment)


async def _send_back(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    action: str,
    to_status: PostStatus,
    comment: str | None,
) -> Post:
    """A move away from publication: the post's schedule, if it had one, is dropped."""
    post = await get_post(session, caller, post_id, for_update=True)
    require_state(post, action)
    record_transition(
        session,
        post,
        caller.user_id,
        action=action,
        to_status=to_status,
        comment=comment,
        unschedule=True,
    )
    await session.flush()
    return post


async def workspace_time_zone(session: AsyncSession, workspace_id: str) -> ZoneInfo:
    """The zone the workspace plans in (its `time_zone` setting)."""
    return zone((await review_settings(session, workspace_id)).time_zone)
