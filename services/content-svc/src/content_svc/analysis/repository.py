"""The queries of the analysis: the workspace's earlier posts, to find repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content_svc.analysis.findings import EarlierPost
from content_svc.models import Post


async def earlier_posts(
    session: AsyncSession, workspace_id: str, post_id: str, created_before: datetime, limit: int
) -> list[EarlierPost]:
    """The workspace's posts written before, newest first."""
    query = (
        select(Post.id, Post.title, Post.body_markdown)
        .where(
            Post.workspace_id == workspace_id,
            Post.id != post_id,
            Post.created_at <= created_before,
        )
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    return [
        EarlierPost(post_id=row[0], title=row[1], body_markdown=row[2])
        for row in (await session.execute(query)).all()
    ]
