"""A tiny service schema for testing the kit: an effect table beside the outbox."""

from __future__ import annotations

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMessageMixin, Base): ...


class ProcessedEvent(ProcessedEventMixin, Base): ...


class Effect(Base):
    """One row per applied event: what a redelivery must not double."""

    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
