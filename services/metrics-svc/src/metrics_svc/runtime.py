"""The metrics-svc runtime: servicekit's runtime with the subscribed topics' handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, runtime_of

from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import OutboxMessage, ProcessedEvent
from metrics_svc.settings import Settings


class MetricsRuntime(ServiceRuntime):
    settings: Settings

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        super().__init__(
            settings,
            outbox_model=OutboxMessage,
            processed_model=ProcessedEvent,
            handlers=HANDLERS,
            database=database,
        )


def current_runtime(request: Request) -> MetricsRuntime:
    return runtime_of(request, MetricsRuntime)


Runtime = Annotated[MetricsRuntime, Depends(current_runtime)]
