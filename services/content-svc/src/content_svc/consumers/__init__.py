"""The topics content-svc subscribes to, and the handler of each."""

from __future__ import annotations

from servicekit.consumer import Handler

from content_svc.consumers.channels import on_channel_changed
from content_svc.consumers.distributions import (
    on_distribution_failed,
    on_distribution_succeeded,
)
from content_svc.consumers.interactions import interaction_handler
from content_svc.consumers.members import on_member_erased
from content_svc.consumers.stats import on_stats_ingested
from content_svc.settings import Settings

DEFAULT_MIN_ASKERS: int = Settings.model_fields["user_need_min_askers"].default


def make_handlers(*, min_askers: int = DEFAULT_MIN_ASKERS) -> dict[str, Handler]:
    return {
        "distribution.succeeded": on_distribution_succeeded,
        "distribution.failed": on_distribution_failed,
        "channel.changed": on_channel_changed,
        "interaction.received": interaction_handler(min_askers),
        "member.erased": on_member_erased,
        "stats.ingested": on_stats_ingested,
    }


HANDLERS: dict[str, Handler] = make_handlers()
