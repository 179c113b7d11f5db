"""Assembles content-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, build_app

from content_svc.consumers import HANDLERS
from content_svc.models import OutboxMessage, ProcessedEvent
from content_svc.posts.router import router as posts_router
from content_svc.settings import Settings


def create_runtime(
    settings: Settings | None = None, database: Database | None = None
) -> ServiceRuntime:
    return ServiceRuntime(
        settings or Settings(),
        outbox_model=OutboxMessage,
        processed_model=ProcessedEvent,
        handlers=HANDLERS,
        database=database,
    )


def create_app(runtime: ServiceRuntime | None = None) -> FastAPI:
    return build_app(
        runtime or create_runtime(),
        [posts_router],
        title="Mediaops content-svc",
        description="Content collection and production: posts and where they are published.",
    )
