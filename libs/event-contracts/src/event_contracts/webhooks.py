"""What channel-svc says of the webhook subscriptions internal systems hold (the notice of
a subscription it turned off), for operators and the other subscriptions to hear."""

from pydantic import Field

from event_contracts.base import Payload, UtcDatetime


class WebhookSubscriptionDisabledV1(Payload):
    """A webhook subscription was turned off because its URL kept failing: a delivery used
    up its retries (about a day) with no success since the failures began. Nothing more is
    sent to it until an owner enables it again (and redelivers what it missed)."""

    subscription_id: str
    workspace_id: str
    url: str
    reason: str = Field(description="Why, in plain words (the last failure included).")
    failing_since: UtcDatetime = Field(description="The first failed attempt of the run.")
    delivery_id: str = Field(description="The delivery that used up its retries.")
    disabled_at: UtcDatetime
