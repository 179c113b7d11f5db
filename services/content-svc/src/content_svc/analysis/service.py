"""The analysis of one post: its target platforms, the workspace's words, earlier posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from servicekit.auth import Caller
from servicekit.problems import Invalid
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.analysis import repository
from content_svc.analysis.findings import Draft, Report
from content_svc.analysis.platforms import DEFAULT_PLATFORMS, title_limit
from content_svc.analysis.report import analyse
from content_svc.kit.ids import canonical_id
from content_svc.models import Post
from content_svc.posts.service import get_post
from content_svc.posts.snapshot import as_sent
from content_svc.replicas import repository as replicas
from content_svc.wordlists.service import workspace_scanner

EARLIER_POSTS = 300


@dataclass(frozen=True)
class Analysis:
    """The report on one version of a post, checked against `platforms`."""

    post_id: str
    version: int
    platforms: list[str]
    report: Report


async def analyse_post(
    session: AsyncSession,
    caller: Caller,
    post_id: str,
    platforms: Sequence[str] | None,
    channel_id: str | None = None,
) -> Analysis:
    """The report on the post, or, with `channel_id`, on the post as it goes to that
    channel (its variant there) checked against the channel's platform."""
    post = await get_post(session, caller, post_id)
    draft = Draft(post.title, post.summary, post.body_markdown, list(post.keywords))
    if channel_id is not None:
        draft, platform = await _as_sent_to(session, post, channel_id)
        platforms = platforms or ([platform] if platform else None)
    targets = await _targets(session, caller.workspace_id, post, platforms)
    scanner = await workspace_scanner(session, caller.workspace_id)
    earlier = await repository.earlier_posts(
        session, caller.workspace_id, post.id, post.created_at, EARLIER_POSTS
    )
    report = analyse(
        draft,
        platforms=targets,
        scanner=scanner,
        earlier=earlier,
    )
    return Analysis(post.id, post.version, targets, report)


async def _as_sent_to(session: AsyncSession, post: Post, raw: str) -> tuple[Draft, str | None]:
    """The post's text on the channel (its variant there, else its own) and the channel's
    platform; a 422 naming `query.channel_id` for a channel the workspace does not have."""
    channel_id = canonical_id(raw)
    known = await replicas.platforms_of(session, post.workspace_id, [channel_id or raw])
    if channel_id is None or channel_id not in known:
        raise Invalid.field("query.channel_id", f"no such channel in this workspace: {raw}")
    variant = next((v for v in post.variants if v.channel_id == channel_id), None)
    sent = as_sent(post, variant) if variant is not None else post
    draft = Draft(sent.title, sent.summary, sent.body_markdown, list(post.keywords))
    return draft, known[channel_id]


async def _targets(
    session: AsyncSession, workspace_id: str, post: Post, platforms: Sequence[str] | None
) -> list[str]:
    """The platforms asked for; else the post's channels; else the workspace's; else defaults."""
    if platforms:
        known = {p: title_limit(p) for p in platforms}
        unknown = [p for p, limit in known.items() if limit is None]
        if unknown:
            raise Invalid.field("query.platforms", f"unknown platform(s): {', '.join(unknown)}")
        return list(dict.fromkeys(limit[0] for limit in known.values() if limit is not None))
    names = [row.platform for row in post.channels if row.platform]
    if not names:
        names = await replicas.live_platforms(session, workspace_id)
    keys = [limit[0] for name in names if (limit := title_limit(name)) is not None]
    return list(dict.fromkeys(keys)) or list(DEFAULT_PLATFORMS)
