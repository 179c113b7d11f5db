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
from content_svc.models import Post
from content_svc.posts.service import get_post
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
    session: AsyncSession, caller: Caller, post_id: str, platforms: Sequence[str] | None
) -> Analysis:
    post = await get_post(session, caller, post_id)
    targets = await _targets(session, caller.workspace_id, post, platforms)
    scanner = await workspace_scanner(session, caller.workspace_id)
    earlier = await repository.earlier_posts(
        session, caller.workspace_id, post.id, post.created_at, EARLIER_POSTS
    )
    report = analyse(
        Draft(post.title, post.summary, post.body_markdown, list(post.keywords)),
        platforms=targets,
        scanner=scanner,
        earlier=earlier,
    )
    return Analysis(post.id, post.version, targets, report)


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
