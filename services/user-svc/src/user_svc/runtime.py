"""The user-svc runtime: servicekit's runtime with user-svc's outbox and processed-event
tables and the subscribed topics' handlers, and `Runtime`, the endpoint dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime, runtime_of

from user_svc.consumers.handlers import HANDLERS
from user_svc.models import OutboxMessage, ProcessedEvent
from user_svc.settings import Settings


class UserRuntime(ServiceRuntime):
    settings: Settings

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        super().__init__(
            settings,
            outbox_model=OutboxMessage,
            processed_model=ProcessedEvent,
            handlers=HANDLERS,
            database=database,
        )


def current_runtime(request: Request) -> UserRuntime:
    return runtime_of(request, UserRuntime)


Runtime = Annotated[UserRuntime, Depends(current_runtime)]
