"""`post.channel.revised`: a channel waiting for its queue slot gets the post's new content
(unless its distribution reached the platform first), then the worker is woken."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from event_contracts import PostChannelRevisedV1
from servicekit.db import call_after_commit
from servicekit.events import PayloadHandler, handles
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.distributions import planning
from channel_svc.links.service import Tracking


async def revise_distribution(
    session: AsyncSession,
    revised: PostChannelRevisedV1,
    *,
    wake_worker: Callable[[], None],
    tracking: Tracking | None,
) -> None:
    if await planning.revise(session, revised, tracking=tracking):
        call_after_commit(session, wake_worker)


def post_channel_revised(
    wake_worker: Callable[[], None], tracking: Tracking | None
) -> PayloadHandler[PostChannelRevisedV1]:
    return handles(PostChannelRevisedV1)(
        partial(revise_distribution, wake_worker=wake_worker, tracking=tracking)
    )
