"""The metrics-svc runtime: servicekit's runtime with the subscribed topics' handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.runtime import ServiceRuntime, runtime_dependency

from metrics_svc.consumers.handlers import HANDLERS
from metrics_svc.models import IdempotencyKey, OutboxMessage, ProcessedEvent
from metrics_svc.settings import Settings


class MetricsRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent
    idempotency_model = IdempotencyKey
    handlers = HANDLERS


Runtime = Annotated[MetricsRuntime, Depends(runtime_dependency(MetricsRuntime))]
