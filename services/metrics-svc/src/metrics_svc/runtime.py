"""The metrics-svc runtime: servicekit's runtime with the subscribed topics' handlers."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated

from fastapi import Depends
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, runtime_dependency

from metrics_svc.alerts.raising import check_forever
from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import IdempotencyKey, OutboxMessage, ProcessedEvent
from metrics_svc.settings import Settings


class MetricsRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent
    idempotency_model = IdempotencyKey
    handlers = HANDLERS

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        super().__init__(settings, database=database)
        # A stored batch writes `stats.ingested` to the outbox: its commit wakes the check of
        # the alerts it may raise (the workspace is marked due in the same transaction).
        self.alerts_due = asyncio.Event()
        self.db.on_outbox_commit(self.alerts_due.set)
        self.background.append(
            partial(
                check_forever,
                self.db,
                self.alerts_due,
                interval_seconds=settings.alert_check_interval_seconds,
                poll_seconds=settings.alert_check_poll_seconds,
            )
        )


Runtime = Annotated[MetricsRuntime, Depends(runtime_dependency(MetricsRuntime))]
