"""A tiny service schema for testing the kit: an effect table beside the outbox."""

from __future__ import annotations

from typing import ClassVar

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata
from servicekit.idempotency_store import IdempotencyKeyMixin
from servicekit.outbox import OutboxMessageMixin
from servicekit.runtime import ServiceRuntime
from servicekit.settings import ServiceSettings
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class IdempotencyKey(IdempotencyKeyMixin, Base): ...


class Effect(Base):
    """One row per applied event: what a redelivery must not double."""

    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))


class KitSettings(ServiceSettings):
    service_name: ClassVar[str] = "kit-svc"


def kit_runtime(settings: ServiceSettings) -> ServiceRuntime:
    """A service runtime on the kit's tables."""
    return ServiceRuntime(
        settings,
        outbox_model=OutboxMessage,
        processed_model=ProcessedEvent,
        idempotency_model=IdempotencyKey,
    )
