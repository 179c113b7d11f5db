"""Assembles content-svc: the runtime (database, outbox, consumers, background jobs) and
the routers."""

from __future__ import annotations

import textkit
from fastapi import FastAPI
from servicekit.bodylimit import BULK_BODY_BYTES
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, build_app
from servicekit.settings import ServiceSettings

from content_svc.analysis.router import router as analysis_router
from content_svc.calendar.router import router as calendar_router
from content_svc.campaigns.router import router as campaigns_router
from content_svc.ideas.router import router as ideas_router
from content_svc.media.router import router as media_router
from content_svc.more_channels.router import router as more_channels_router
from content_svc.plans.router import router as plans_router
from content_svc.posts.router import router as posts_router
from content_svc.queue.router import router as queue_router
from content_svc.recurrence.router import router as recurrence_router
from content_svc.runtime import ContentRuntime
from content_svc.settings import Settings
from content_svc.sources.router import router as sources_router
from content_svc.trends.router import router as trends_router
from content_svc.variants.router import router as variants_router
from content_svc.wordlists.router import router as wordlists_router


def create_runtime(
    settings: Settings | None = None, database: Database | None = None
) -> ContentRuntime:
    return ContentRuntime(settings or Settings(), database=database)


def media_upload_bytes(settings: ServiceSettings) -> int:
    """The largest upload body: the largest file, and room for the multipart framing."""
    assert isinstance(settings, Settings)
    return max(settings.media_image_max_bytes, settings.media_video_max_bytes) + 64 * 1024


def create_app(runtime: ServiceRuntime | None = None) -> FastAPI:
    """`runtime` is a `ContentRuntime` (`create_runtime` makes one); the endpoints refuse
    to run on any other."""
    textkit.warm_up()  # before the first follower's message, not on it
    runtime = runtime or create_runtime()
    return build_app(
        runtime,
        [
            plans_router,  # before posts_router: `/posts/export` is no post id
            posts_router,
            analysis_router,
            ideas_router,
            sources_router,
            trends_router,
            wordlists_router,
            campaigns_router,
            variants_router,
            more_channels_router,
            calendar_router,
            queue_router,
            media_router,
            recurrence_router,
        ],
        title="Mediaops content-svc",
        # A post's body may hold 200,000 characters; a word list 5,000 words.
        body_allowances={
            "/api/v1/posts": BULK_BODY_BYTES,
            "/api/v1/wordlists": BULK_BODY_BYTES,
            "/api/v1/media": media_upload_bytes(runtime.settings),
        },
        description=(
            "Content collection (sources, ideas, user needs, trends) and production (posts "
            "with revisions, analysis, review and scheduled publishing, word lists) and the "
            "campaigns posts and ideas belong to."
        ),
    )
