"""`post.published`: plan one distribution per channel of the post, then wake the worker."""

from __future__ import annotations

from collections.abc import Callable

from event_contracts import CloudEvent, PostPublishedV1
from servicekit.consumer import Handler, PoisonMessage
from servicekit.db import call_after_commit
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.distributions import service
from channel_svc.links.service import Tracking


def post_published_handler(
    wake_worker: Callable[[], None], tracking: Tracking | None = None
) -> Handler:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        post = event.payload()  # InvalidEvent (dead-lettered) when the payload is not valid
        if not isinstance(post, PostPublishedV1):
            raise PoisonMessage(f"{event.type} does not carry PostPublishedV1")
        if post.workspace_id != event.workspaceid:
            raise PoisonMessage(
                f"payload workspace {post.workspace_id} differs from the event's "
                f"{event.workspaceid}"
            )
        pending = await service.plan_for_post(session, post, tracking=tracking)
        if pending:
            call_after_commit(session, wake_worker)

    return handle
