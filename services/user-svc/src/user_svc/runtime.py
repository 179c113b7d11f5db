"""The user-svc runtime: servicekit's runtime with user-svc's outbox and processed-event
tables and the subscribed topics' handlers, and `Runtime`, the endpoint dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.runtime import ServiceRuntime, runtime_dependency

from user_svc.consumers.handlers import HANDLERS
from user_svc.models import IdempotencyKey, OutboxMessage, ProcessedEvent
from user_svc.settings import Settings


class UserRuntime(ServiceRuntime):
    settings: Settings
    outbox_model = OutboxMessage
    processed_model = ProcessedEvent
    idempotency_model = IdempotencyKey
    handlers = HANDLERS


Runtime = Annotated[UserRuntime, Depends(runtime_dependency(UserRuntime))]
