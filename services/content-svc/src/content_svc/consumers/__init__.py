"""The topics content-svc subscribes to, and the handler of each."""

from __future__ import annotations

from servicekit.consumer import Handler
from servicekit.events import handler_map

from content_svc.consumers.channels import remember_channel_change
from content_svc.consumers.distributions import record_failure, record_success
from content_svc.consumers.interactions import question_recorder
from content_svc.consumers.members import forget_erased_member
from content_svc.consumers.stats import record_figures
from content_svc.settings import Settings

DEFAULT_MIN_ASKERS: int = Settings.model_fields["user_need_min_askers"].default


def make_handlers(*, min_askers: int = DEFAULT_MIN_ASKERS) -> dict[str, Handler]:
    """{topic: handler}; `min_askers` is the `user_need_min_askers` setting."""
    return handler_map(
        record_success,
        record_failure,
        remember_channel_change,
        question_recorder(min_askers),
        forget_erased_member,
        record_figures,
    )


HANDLERS: dict[str, Handler] = make_handlers()
