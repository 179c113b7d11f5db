"""The topics channel-svc subscribes to, each handled by a function of its payload."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from servicekit.consumer import Handler
from servicekit.events import handler_map

from channel_svc.adapters.base import Adapter
from channel_svc.consumers.answer_requested import answer_requested
from channel_svc.consumers.campaign_changed import campaign_changed
from channel_svc.consumers.member_erased import forget_member
from channel_svc.consumers.post_channel_revised import post_channel_revised
from channel_svc.consumers.post_published import post_published
from channel_svc.consumers.segment_tag_requested import segment_tag_requested
from channel_svc.consumers.webhooks import offering
from channel_svc.consumers.wordlist_changed import keep_wordlist
from channel_svc.crypto import CredentialCipher
from channel_svc.distributions.policies import RetryPolicy
from channel_svc.links.service import Tracking


def handlers(
    *,
    wake_worker: Callable[[], None],
    tracking: Tracking,
    forget_links: Callable[[], None],
    adapters: Mapping[str, Adapter],
    cipher: CredentialCipher,
    answer_policy: RetryPolicy,
    wake_webhooks: Callable[[], None],
) -> dict[str, Handler]:
    """The runner's handlers: most need the runtime's parts (the delivery worker's wake-up,
    the link tracking settings, the resolved-link cache, the adapters and cipher, how inbox
    answers are asked again). Every topic others produce is also offered to the webhook
    subscriptions (`webhooks.offering`), whose worker `wake_webhooks` wakes."""
    own = handler_map(
        post_published(wake_worker, tracking),
        post_channel_revised(wake_worker, tracking),
        campaign_changed(forget_links),
        keep_wordlist,
        answer_requested(adapters, cipher, answer_policy),
        segment_tag_requested(adapters, cipher),
        forget_member,
    )
    return offering(own, wake_webhooks)
