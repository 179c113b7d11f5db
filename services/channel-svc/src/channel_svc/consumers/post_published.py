"""`post.published`: plan one distribution per channel of the post, then wake the worker."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from event_contracts import PostPublishedV1
from servicekit.db import call_after_commit
from servicekit.events import PayloadHandler, handles
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.distributions import planning
from channel_svc.links.service import Tracking


async def plan_distributions(
    session: AsyncSession,
    post: PostPublishedV1,
    *,
    wake_worker: Callable[[], None],
    tracking: Tracking | None,
) -> None:
    if await planning.plan_for_post(session, post, tracking=tracking):
        call_after_commit(session, wake_worker)


def post_published(
    wake_worker: Callable[[], None], tracking: Tracking | None
) -> PayloadHandler[PostPublishedV1]:
    return handles(PostPublishedV1)(
        partial(plan_distributions, wake_worker=wake_worker, tracking=tracking)
    )
