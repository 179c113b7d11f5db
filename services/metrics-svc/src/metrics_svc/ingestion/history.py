"""History: posts that went live before the workspace used Mediaops, recorded from their
figures so that a new workspace has a benchmark on its first day.

A point that names a copy we do not know (`channel_id` + `external_id`) and says when it was
published (`published_at`, optionally `title` and `url`) introduces it: a post and its copy
on the channel are recorded with the batch, under an id derived from the workspace, channel
and platform id (`hist_...`), so importing the same history again finds the same post. Once
recorded, a historical post is a post like any other: reports, benchmarks and alerts count
it, and later points may name it by `external_id` alone.

The first publication time recorded for a copy stands: a point that names a known copy with
another `published_at` (more than `SAME_TIME` apart) is refused, and so is its batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.kit.upserts import insert_missing
from metrics_svc.models import Post, PostChannel

PREFIX = "hist_"
# Before this, a publication time is a typo (and date arithmetic would run off the calendar).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Consoles show publication times to the minute, and a confirmation may lag the platform.
SAME_TIME = timedelta(minutes=5)


def history_id(workspace_id: str, channel_id: str, external_id: str) -> str:
    """The id of the historical post of one copy: the same on every import."""
    digest = hashlib.sha256(f"{workspace_id}\x1f{channel_id}\x1f{external_id}".encode())
    return PREFIX + digest.hexdigest()[:32]


@dataclass(frozen=True)
class HistoricalCopy:
    """A copy introduced by a submission: recorded with its figures, or not at all."""

    where: int  # the point (or CSV line) that introduced it
    post_id: str
    channel_id: str
    platform: str | None
    external_id: str
    published_at: datetime
    title: str | None
    url: str | None


async def record(
    session: AsyncSession, workspace_id: str, copies: Sequence[HistoricalCopy]
) -> None:
    """The posts and copies, once (another batch may have recorded them meanwhile)."""
    if not copies:
        return
    await insert_missing(
        session,
        Post,
        [
            {
                "workspace_id": workspace_id,
                "id": copy.post_id,
                "title": copy.title,
                "tags": [],
                "keywords": [],
                "campaign_id": None,
                "version": 0,
                "published_at": copy.published_at,
            }
            for copy in copies
        ],
    )
    await insert_missing(
        session,
        PostChannel,
        [
            {
                "workspace_id": workspace_id,
                "post_id": copy.post_id,
                "channel_id": copy.channel_id,
                "platform": copy.platform,
                "external_id": copy.external_id,
                "url": copy.url,
                "published_at": copy.published_at,
            }
            for copy in copies
        ],
    )
