"""The outbox, the processed-event ids and the idempotency keys (servicekit's mixins on this
service's base)."""

from __future__ import annotations

from servicekit.consumer import ProcessedEventMixin
from servicekit.idempotency_store import IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin

from content_svc.models.base import Base


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class IdempotencyKey(IdempotencyKeyMixin, Base): ...
