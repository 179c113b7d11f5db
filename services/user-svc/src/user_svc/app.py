"""Assembles user-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, build_app

from user_svc.models import OutboxMessage, ProcessedEvent
from user_svc.settings import Settings


def create_runtime(settings: Settings | None = None) -> ServiceRuntime:
    return ServiceRuntime(
        settings or Settings(),
        outbox_model=OutboxMessage,
        processed_model=ProcessedEvent,
    )


def create_app(runtime: ServiceRuntime | None = None) -> FastAPI:
    return build_app(
        runtime or create_runtime(),
        [],
        title="Mediaops user-svc",
        description="The community: members, interactions, inbox, segments and groups.",
    )
