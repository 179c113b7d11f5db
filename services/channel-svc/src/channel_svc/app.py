"""Assembles channel-svc: the runtime (database, outbox, consumer, delivery worker), routers."""

from __future__ import annotations

import textkit
from fastapi import FastAPI
from servicekit.bodylimit import BULK_BODY_BYTES
from servicekit.db import Database
from servicekit.runtime import build_app

from channel_svc.autoreplies.router import router as autoreplies_router
from channel_svc.callbacks.router import public_router as public_callbacks_router
from channel_svc.callbacks.router import router as callbacks_router
from channel_svc.channels.router import router as channels_router
from channel_svc.distributions.router import router as distributions_router
from channel_svc.feeds.router import public_router as public_feeds_router
from channel_svc.feeds.router import router as feeds_router
from channel_svc.links.router import public_router as public_links_router
from channel_svc.links.router import router as links_router
from channel_svc.platforms.router import router as platforms_router
from channel_svc.runtime import ChannelRuntime
from channel_svc.settings import Settings
from channel_svc.sync.router import router as sync_router
from channel_svc.webhook_subscriptions.router import router as webhook_subscriptions_router
from channel_svc.wechat_tags.router import router as wechat_tags_router

CALLBACK_BODY_BYTES = 64 * 1024


def create_runtime(
    settings: Settings | None = None, database: Database | None = None
) -> ChannelRuntime:
    return ChannelRuntime(settings or Settings(), database=database)


def create_app(runtime: ChannelRuntime | None = None) -> FastAPI:
    textkit.warm_up()  # before the first follower's message, not on it
    app = build_app(
        runtime or create_runtime(),
        [
            platforms_router,
            channels_router,
            sync_router,
            callbacks_router,
            autoreplies_router,
            wechat_tags_router,
            distributions_router,
            feeds_router,
            links_router,
            webhook_subscriptions_router,
        ],
        title="Mediaops channel-svc",
        # A preview carries a whole post (200,000 characters of Markdown, 400,000 of HTML).
        # WeChat's pushes are small: a callback takes at most CALLBACK_BODY_BYTES.
        body_allowances={"/api/v1/channels": BULK_BODY_BYTES, "/callbacks": CALLBACK_BODY_BYTES},
        description="Channels a workspace publishes to, the distribution of each post, and "
        "the tracked links in them.",
    )
    # Public short links, feeds and platform callbacks live at the root (`/l/{code}`,
    # `/feeds/{token}.xml`, `/callbacks/wechat/{token}`).
    app.include_router(public_links_router)
    app.include_router(public_feeds_router)
    app.include_router(public_callbacks_router)
    return app
