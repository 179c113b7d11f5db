"""The rules of posts: writing drafts, editing them with revisions, reading them back.

Functions take the caller's session and never commit; they raise the problem errors of
servicekit (`NotFound`, `Invalid`, `Conflict`) and know nothing of HTTP. The review
steps live in `review`, publishing in `publishing`, what comes back from channels in
`feedback`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from servicekit.auth import Caller
from servicekit.db import utcnow
from servicekit.pagination import PageRequest, split_page
from servicekit.problems import Conflict, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.campaigns.membership import live_campaign, posts_moved
from content_svc.kit.problems import found
from content_svc.kit.rendering import render_markdown
from content_svc.media.service import Library, checked_media_ids
from content_svc.models import Post, PostRevision, PostStatus, PostTransition
from content_svc.posts import repository
from content_svc.posts.markdown import body_html_with_media, check_media_references
from content_svc.posts.schemas import PostCreate, PostFilter, PostRead, PostUpdate
from content_svc.posts.snapshot import check_fits, content_of
from content_svc.posts.states import ACTIONS, refuse, review_again
from content_svc.queue import repository as queue_claims

NO_FIGURES = -1


async def create_post(
    session: AsyncSession, caller: Caller, data: PostCreate, *, idea_id: str | None = None
) -> Post:
    campaign_id = None
    if data.campaign_id is not None:
        campaign_id = (await live_campaign(session, caller.workspace_id, data.campaign_id)).id
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
        idea_id=idea_id,
        campaign_id=campaign_id,
        scheduled_channel_ids=[],
        perf_rank=NO_FIGURES,
        channels=[],
        variants=[],
    )
    post.media_ids = await checked_media_ids(session, caller.workspace_id, data.media_ids)
    check_fits(post)  # with its media, whose links the event carries
    await check_media_references(session, caller.workspace_id, post.body_markdown)
    session.add(post)
    session.add(_revision_of(post, caller.user_id, note="created"))
    await session.flush()
    await posts_moved(session, caller.workspace_id, None, campaign_id)
    return post


def _revision_of(post: Post, editor_id: str, *, note: str | None) -> PostRevision:
    return PostRevision(
        id=str(uuid.uuid4()),
        post_id=post.id,
        workspace_id=post.workspace_id,
        version=post.version,
        **content_of(post),
        editor_id=editor_id,
        note=note,
        created_at=utcnow(),
    )


async def list_posts(
    session: AsyncSession,
    caller: Caller,
    filters: PostFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Post], str | None]:
    """One page of the workspace's posts and the cursor of the next page.

    `newest` lists by creation time; `performance` lists the best verdicts and the most
    reads first, posts without figures last.
    """
    best_first = filters.sort == "performance"
    rows = await repository.list_posts(
        session,
        caller.workspace_id,
        limit=limit,
        cursor=cursor,
        best_first=best_first,
        status=filters.status,
    )
    if best_first:
        return split_page(rows, limit, sort=repository.BEST, key=lambda p: (p.perf_rank, p.id))
    return split_page(rows, limit, sort=repository.NEWEST)


async def get_post(
    session: AsyncSession, caller: Caller, post_id: str, *, for_update: bool = False
) -> Post:
    """The caller's post; another workspace's post, or no post at all, is a 404 alike."""
    post = await repository.get_post(session, caller.workspace_id, post_id, for_update=for_update)
    return found(post, "post", post_id)


async def edit_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    data: PostUpdate,
    *,
    note: str | None = None,
) -> Post:
    """Apply an edit made from `data.version`; a stale version is a 409 and changes nothing.

    An edit of an approved or scheduled post voids the approval: the post goes back to
    review (and its schedule is dropped). Moving a post to another campaign (or out of
    one) is not an edit of its content: it is allowed in every status, keeps the version
    and the approval, and tells both campaigns (`campaign.changed`).
    """
    post = await get_post(session, caller, post_id, for_update=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    moves = "campaign_id" in changes
    requested_campaign = changes.pop("campaign_id", None)
    if (changes or not moves) and post.status not in ACTIONS["edit"]:
        raise await _refuse_edit(session, post)
    if data.version != post.version:
        raise Conflict(
            f"This edit started from version {data.version}, but the post is at version "
            f"{post.version} now; reload it and apply your changes again.",
            current_version=post.version,
        )
    if moves:
        await _move_to_campaign(session, post, requested_campaign)
    if "cover_url" in changes and changes["cover_url"] is not None:
        changes["cover_url"] = str(data.cover_url)
    if "media_ids" in changes:
        changes["media_ids"] = await checked_media_ids(
            session, post.workspace_id, changes["media_ids"]
        )
    changed = {name: value for name, value in changes.items() if getattr(post, name) != value}
    if not changed:
        return post
    if await repository.revision_count(session, post.id) == 0:
        # A post written before revisions existed: keep what it was before this edit.
        session.add(_revision_of(post, post.author_id, note="before the first recorded edit"))
    for name, value in changed.items():
        setattr(post, name, value)
    if "body_markdown" in changed:
        await check_media_references(session, post.workspace_id, post.body_markdown)
        post.body_html = render_markdown(post.body_markdown)
    check_fits(post)  # the request rolls back what was set above when it does not
    post.version += 1
    post.updated_at = utcnow()
    session.add(_revision_of(post, caller.user_id, note=note))
    review_again(
        session, post, caller.user_id, "Edited after approval; the post needs review again."
    )
    await session.flush()
    return post


async def _refuse_edit(session: AsyncSession, post: Post) -> Conflict:
    """The 409 of an edit of a post whose content is final; a published post with
    channels still waiting for their queue slot names them, and how they can change."""
    waiting = sorted(await queue_claims.waiting_channels(session, post, utcnow()))
    if not waiting:
        return refuse(post, "edit")
    return refuse(
        post,
        "edit",
        "The post went out on its first channels: its content is what they got, and "
        f"cannot change. Channel(s) {', '.join(waiting)} still wait for their queue slot: "
        f"change what goes out there with PUT /posts/{post.id}/variants/{{channel_id}}.",
        waiting_channel_ids=waiting,
    )


async def _move_to_campaign(session: AsyncSession, post: Post, campaign_id: str | None) -> None:
    target = None
    if campaign_id is not None:
        target = (await live_campaign(session, post.workspace_id, campaign_id)).id
    if target == post.campaign_id:
        return
    left = post.campaign_id
    post.campaign_id = target
    post.updated_at = utcnow()
    await posts_moved(session, post.workspace_id, left, target)


async def list_revisions(
    session: AsyncSession, caller: Caller, post_id: str, page: PageRequest
) -> tuple[list[PostRevision], str | None]:
    """A page of the post's revisions, newest first, and the next page's cursor."""
    post = await get_post(session, caller, post_id)
    rows = await repository.list_revisions(session, post.id, page)
    return split_page(rows, page.limit, sort=repository.REVISIONS, key=lambda r: (r.version, r.id))


async def restore_revision(
    session: AsyncSession, caller: Caller, post_id: str, revision: int, current_version: int
) -> Post:
    """Make the content of an earlier revision the post's newest version (an edit)."""
    post = await get_post(session, caller, post_id)
    old = await repository.get_revision(session, post.id, revision)
    if old is None:
        raise NotFound(f"Post {post_id} has no revision {revision}.")
    edit = PostUpdate.model_validate({"version": current_version, **content_of(old)})
    return await edit_post(session, caller, post_id, edit, note=f"restored from version {revision}")


async def list_history(
    session: AsyncSession, caller: Caller, post_id: str, page: PageRequest
) -> tuple[list[PostTransition], str | None]:
    """A page of the post's steps, oldest first, and the next page's cursor."""
    post = await get_post(session, caller, post_id)
    rows = await repository.list_transitions(session, post.id, page)
    return split_page(rows, page.limit, sort=repository.HISTORY, key=lambda t: (t.at, t.id))


async def post_read(session: AsyncSession, library: Library, post: Post) -> PostRead:
    """The post as every answer shows it: its library images at their signed URLs (the
    stored HTML keeps `media:<id>`, which no reader can open)."""
    shown = PostRead.model_validate(post)
    shown.body_html = await body_html_with_media(
        session, library, post.workspace_id, post.body_html
    )
    return shown
