"""The metrics-svc runtime: servicekit's runtime with the subscribed topics' handlers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime

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


def _runtime(request: Request) -> MetricsRuntime:
    return cast(MetricsRuntime, request.app.state.runtime)


Runtime = Annotated[MetricsRuntime, Depends(_runtime)]
