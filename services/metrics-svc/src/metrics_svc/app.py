"""Assembles metrics-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.runtime import ServiceRuntime, build_app

from metrics_svc.models import OutboxMessage, ProcessedEvent
from metrics_svc.settings import Settings


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
        title="Mediaops metrics-svc",
        description="Data operation: platform figures, benchmarks, reports and alerts.",
    )
