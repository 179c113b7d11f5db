"""The analysis of one post: its target platforms, the workspace's words, earlier posts."""

from __future__ import annotations

from collections.abc import Sequence

from servicekit.auth import Caller
from servicekit.problems import Invalid
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.analysis.platforms import DEFAULT_PLATFORMS, title_limit
from content_svc.analysis.report import Draft, EarlierPost, analyse
from content_svc.analysis.schemas import AnalysisRead, FindingRead
from content_svc.models import KnownChannel, Post
from content_svc.posts import repository as posts_repository
from content_svc.posts.service import get_post
from content_svc.wordlists.service import workspace_scanner

EARLIER_POSTS = 300


async def analyse_post(
    session: AsyncSession, caller: Caller, post_id: str, platforms: Sequence[str] | None
) -> AnalysisRead:
    post = await get_post(session, caller, post_id)
    targets = await _targets(session, caller.workspace_id, post, platforms)
    scanner = await workspace_scanner(session, caller.workspace_id)
    earlier = [
        EarlierPost(post_id=row[0], title=row[1], body_markdown=row[2])
        for row in await posts_repository.earlier_posts(
            session, caller.workspace_id, post.id, post.created_at, EARLIER_POSTS
        )
    ]
    report = analyse(
        Draft(post.title, post.summary, post.body_markdown, list(post.keywords)),
        platforms=targets,
        scanner=scanner,
        earlier=earlier,
    )
    return AnalysisRead(
        post_id=post.id,
        version=post.version,
        score=report.score,
        platforms=targets,
        findings=[FindingRead.model_validate(finding) for finding in report.findings],
        title=report.title,
        keywords=report.keywords,
        structure=report.structure,
        readability=report.readability,
        summary=report.summary,
        words=report.words,
        near_duplicates=report.near_duplicates,
    )


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
        rows = await session.scalars(
            select(KnownChannel.platform).where(
                KnownChannel.workspace_id == workspace_id, KnownChannel.deleted.is_(False)
            )
        )
        names = list(rows)
    keys = [limit[0] for name in names if (limit := title_limit(name)) is not None]
    return list(dict.fromkeys(keys)) or list(DEFAULT_PLATFORMS)
