"""Webhook subscriptions in and out: the URL and event types asked for, the signing secret
(shown once), and the delivery log with each attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from event_contracts import TOPICS
from pydantic import Field
from servicekit.schemas import RequestModel, ResponseModel

from channel_svc.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

EVENT_TYPES_HELP = (
    "Topics of the event registry (docs/events), e.g. `post.published`, "
    "`distribution.succeeded`, `distribution.failed`. Known: "
    + ", ".join(f"`{topic.name}`" for topic in TOPICS)
    + "."
)
URL_MAX = 2000
DeliveryStatus = Literal["pending", "sending", "delivered", "failed"]


class SubscriptionCreate(RequestModel):
    url: str = Field(
        min_length=1,
        max_length=URL_MAX,
        description="Where deliveries are POSTed: http(s), reachable on the public internet.",
        examples=["https://shop.example.com/hooks/mediaops"],
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=len(TOPICS),
        description=EVENT_TYPES_HELP,
        examples=[["post.published", "distribution.failed"]],
    )
    description: str | None = Field(default=None, max_length=500, examples=["商城后台：新文章上架"])


class SubscriptionUpdate(RequestModel):
    url: str | None = Field(default=None, min_length=1, max_length=URL_MAX)
    event_types: list[str] | None = Field(
        default=None, min_length=1, max_length=len(TOPICS), description=EVENT_TYPES_HELP
    )
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = Field(
        default=None,
        description="false stops deliveries (pending ones fail); true starts them again "
        "(what was missed can be redelivered).",
    )


class SubscriptionRead(ResponseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> SubscriptionRead:
        return cls.model_validate(subscription)


class SubscriptionWithSecret(SubscriptionRead):
    secret: str = Field(
        description="The signing secret (`whsec_` and base64), shown this once: verify each "
        "delivery with it (Standard Webhooks)."
    )

    @classmethod
    def revealing(cls, subscription: WebhookSubscription, secret: str) -> SubscriptionWithSecret:
        return cls.model_validate(
            {**SubscriptionRead.of(subscription).model_dump(), "secret": secret}
        )


class DeliveryRead(ResponseModel):
    id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    subscription_id: str
    event_id: str
    event_type: str
    occurred_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryRead:
        return cls.model_validate(delivery)


class AttemptRead(ResponseModel):
    attempted_at: datetime
    outcome: str = Field(description="`delivered`, `retry` (tried again later) or `failed`.")
    status_code: int | None = Field(description="The receiver's status; null: no answer.")
    error: str | None
    duration_ms: int


class DeliveryDetail(DeliveryRead):
    data: dict[str, Any] = Field(description="The event's payload, as sent in `data`.")
    attempt_log: list[AttemptRead]

    @classmethod
    def with_attempts(
        cls, delivery: WebhookDelivery, attempts: list[WebhookAttempt]
    ) -> DeliveryDetail:
        return cls.model_validate(
            {
                **DeliveryRead.of(delivery).model_dump(),
                "data": delivery.data,
                "attempt_log": [AttemptRead.model_validate(a) for a in attempts],
            }
        )
