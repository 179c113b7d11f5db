"""user-svc tables. The community itself (members, interactions) arrives with its issue."""

from __future__ import annotations

from servicekit.consumer import ProcessedEventMixin
from servicekit.db import new_metadata
from servicekit.outbox import OutboxMessageMixin
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxMessage(OutboxMessageMixin, Base):
    __tablename__ = "outbox_messages"


class ProcessedEvent(ProcessedEventMixin, Base):
    __tablename__ = "processed_events"
