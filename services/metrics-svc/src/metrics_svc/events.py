"""The events metrics-svc publishes, written to the outbox in the caller's transaction."""

from __future__ import annotations

from event_contracts import AlertRaisedV1, StatsIngestedV1
from servicekit.events import Emitter

from metrics_svc.models import OutboxMessage

emit = Emitter(OutboxMessage, source="/metrics-svc", emits=(StatsIngestedV1, AlertRaisedV1))
