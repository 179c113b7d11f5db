"""The topics content-svc subscribes to, and the handler of each."""

from __future__ import annotations

from servicekit.consumer import Handler

from content_svc.consumers.channels import on_channel_changed
from content_svc.consumers.distributions import (
    on_distribution_failed,
    on_distribution_succeeded,
)

HANDLERS: dict[str, Handler] = {
    "distribution.succeeded": on_distribution_succeeded,
    "distribution.failed": on_distribution_failed,
    "channel.changed": on_channel_changed,
}
