"""What the posts tests read back: the `post.published` events content-svc wrote."""

from __future__ import annotations

from event_contracts import PostPublishedV1
from servicekit.runtime import ServiceRuntime

from tests.content_svc.factories import outbox_payloads


async def published_events(runtime: ServiceRuntime) -> list[PostPublishedV1]:
    """The `post.published` payloads in the outbox, oldest first."""
    return await outbox_payloads(runtime, PostPublishedV1)
