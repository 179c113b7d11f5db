"""What the posts tests read back: the `post.published` events content-svc wrote."""

from __future__ import annotations

from event_contracts import PostPublishedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import outbox_events


async def published_events(runtime: ServiceRuntime) -> list[PostPublishedV1]:
    """The `post.published` payloads in the outbox, oldest first."""
    payloads = [event.payload() for event in await outbox_events(runtime)]
    return [p for p in payloads if isinstance(p, PostPublishedV1)]
