"""Readers' comments that channel-svc pulled from a platform (Weibo), recorded through the
same ingestion as `POST /interactions/batch`: members created on first sight by their
platform id, idempotent by the comment's id, and answerable from the inbox (each carries
its channel and the status it was written under)."""

from __future__ import annotations

import structlog
from event_contracts import CollectedComment, CommentsCollectedV1
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.interactions.schemas import MAX_TEXT, Author, InteractionCreate
from user_svc.interactions.service import ingest

log = structlog.get_logger(__name__)


def _interaction(
    collected: CommentsCollectedV1, comment: CollectedComment
) -> InteractionCreate | None:
    try:
        return InteractionCreate(
            platform=collected.platform,
            # A reply to another comment is still a comment under our status, and is
            # answered the same way (Weibo `comments/reply` to its id).
            kind="comment",
            author=Author(
                external_id=comment.author_id,
                handle=comment.author_name,
                display_name=comment.author_name,
            ),
            external_id=comment.external_id,
            text=comment.text[:MAX_TEXT] or None,
            post_id=comment.post_id,
            channel_id=collected.channel_id,
            platform_status_id=comment.status_id,
            occurred_at=comment.occurred_at,
        )
    except ValidationError as exc:
        # One odd comment must not dead-letter the other comments of its chunk.
        log.warning("collected_comment_left_out", comment_id=comment.external_id, error=str(exc))
        return None


async def record_comments(session: AsyncSession, collected: CommentsCollectedV1) -> None:
    items = [
        item
        for comment in collected.comments
        if (item := _interaction(collected, comment)) is not None
    ]
    if items:
        await ingest(session, collected.workspace_id, items)
