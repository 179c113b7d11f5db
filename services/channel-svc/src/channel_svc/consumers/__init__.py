"""The topics channel-svc subscribes to, each handled by a function of its payload."""

from __future__ import annotations

from collections.abc import Callable

from servicekit.consumer import Handler
from servicekit.events import handler_map

from channel_svc.consumers.campaign_changed import campaign_changed
from channel_svc.consumers.post_published import post_published
from channel_svc.consumers.wordlist_changed import keep_wordlist
from channel_svc.links.service import Tracking


def handlers(
    *, wake_worker: Callable[[], None], tracking: Tracking, forget_links: Callable[[], None]
) -> dict[str, Handler]:
    """The runner's handlers: two need the runtime's parts (the delivery worker's wake-up,
    the link tracking settings, the resolved-link cache)."""
    return handler_map(
        post_published(wake_worker, tracking),
        campaign_changed(forget_links),
        keep_wordlist,
    )
