"""Webhook subscriptions: an internal system without Kafka subscribes a URL to event types
of its workspace, and gets each such event POSTed there, signed as Standard Webhooks
define (see `sending.py`).

The rules: each event type is a topic of the registry (`event_types[i]` names a wrong
one); the URL passes the SSRF guard (`url`); the signing secret (`whsec_` and 32 random
bytes in base64) is shown once, at creation and at rotation, and stored encrypted; after a
rotation the previous secret signs beside the new one for `PREVIOUS_SECRET_HOURS`, so a
receiver can switch without losing a delivery. Turning a subscription off fails what waits
for it; a delivery can be sent again (`redeliver`) while the subscription is on.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from event_contracts import TOPICS
from servicekit.db import new_id, utcnow
from servicekit.pagination import PageRequest
from servicekit.problems import Conflict, Invalid, found_in_workspace
from servicekit.urlguard import require_public_url
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.crypto import CredentialCipher
from channel_svc.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)
from channel_svc.webhook_subscriptions import repository
from channel_svc.webhook_subscriptions.schemas import SubscriptionCreate, SubscriptionUpdate

SUBSCRIBABLE = frozenset(topic.name for topic in TOPICS)
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
PREVIOUS_SECRET_HOURS = 24
DISABLED_BY_OWNER = "turned off by an owner"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def checked_event_types(event_types: list[str]) -> list[str]:
    """The types asked for, each once, in the order given; `Invalid` naming the first
    that is not a topic of the registry."""
    for index, name in enumerate(event_types):
        if name not in SUBSCRIBABLE:
            raise Invalid.field(
                f"event_types[{index}]",
                f"{name!r} is not an event type; known: {', '.join(sorted(SUBSCRIBABLE))}",
            )
    return list(dict.fromkeys(event_types))


async def checked_url(url: str, *, allow_private: bool) -> str:
    if not url.lower().startswith(("http://", "https://")):
        raise Invalid.field("url", "must be an http(s) URL")
    await require_public_url(url, field="url", allow_private=allow_private)
    return url


async def create_subscription(
    session: AsyncSession,
    *,
    workspace_id: str,
    data: SubscriptionCreate,
    cipher: CredentialCipher,
    allow_private: bool,
) -> tuple[WebhookSubscription, str]:
    """The new subscription and its signing secret (in clear, this once)."""
    event_types = checked_event_types(data.event_types)
    url = await checked_url(data.url, allow_private=allow_private)
    secret = new_secret()
    now = utcnow()
    subscription = WebhookSubscription(
        id=new_id(),
        workspace_id=workspace_id,
        url=url,
        description=data.description,
        event_types=event_types,
        enabled=True,
        secret_encrypted=cipher.encrypt(secret),
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    await session.flush()
    return subscription, secret


async def get_subscription(
    session: AsyncSession, *, workspace_id: str, subscription_id: str
) -> WebhookSubscription:
    found = await repository.find(
        session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    return found_in_workspace(found, f"webhook subscription {subscription_id}")


async def list_subscriptions(
    session: AsyncSession, *, workspace_id: str, paging: PageRequest
) -> tuple[list[WebhookSubscription], str | None]:
    return await repository.page(session, workspace_id=workspace_id, paging=paging)


async def update_subscription(
    session: AsyncSession,
    *,
    workspace_id: str,
    subscription_id: str,
    data: SubscriptionUpdate,
    allow_private: bool,
) -> WebhookSubscription:
    subscription = await get_subscription(
        session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    if data.event_types is not None:
        subscription.event_types = checked_event_types(data.event_types)
    if data.url is not None:
        subscription.url = await checked_url(data.url, allow_private=allow_private)
    if "description" in data.model_fields_set:
        subscription.description = data.description
    if data.enabled is True and not subscription.enabled:
        subscription.enabled = True
        subscription.disabled_reason = subscription.disabled_at = None
        subscription.failing_since = None  # a fresh start: the next failures count anew
    elif data.enabled is False and subscription.enabled:
        subscription.enabled = False
        subscription.disabled_reason, subscription.disabled_at = DISABLED_BY_OWNER, utcnow()
        await repository.fail_pending(session, subscription.id, "the subscription was turned off")
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def delete_subscription(
    session: AsyncSession, *, workspace_id: str, subscription_id: str
) -> None:
    """The subscription goes, with its deliveries and their attempts."""
    subscription = await get_subscription(
        session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    await session.delete(subscription)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, *, workspace_id: str, subscription_id: str, cipher: CredentialCipher
) -> tuple[WebhookSubscription, str]:
    """A new signing secret (in clear, this once); the previous one signs beside it for
    `PREVIOUS_SECRET_HOURS`."""
    subscription = await get_subscription(
        session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    secret = new_secret()
    now = utcnow()
    subscription.previous_secret_encrypted = subscription.secret_encrypted
    subscription.previous_secret_until = now + timedelta(hours=PREVIOUS_SECRET_HOURS)
    subscription.secret_encrypted = cipher.encrypt(secret)
    subscription.updated_at = now
    await session.flush()
    return subscription, secret


async def list_deliveries(
    session: AsyncSession,
    *,
    workspace_id: str,
    subscription_id: str,
    status: str | None,
    paging: PageRequest,
) -> tuple[list[WebhookDelivery], str | None]:
    await get_subscription(session, workspace_id=workspace_id, subscription_id=subscription_id)
    return await repository.delivery_page(
        session,
        workspace_id=workspace_id,
        subscription_id=subscription_id,
        status=status,
        paging=paging,
    )


async def get_delivery(
    session: AsyncSession, *, workspace_id: str, subscription_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    delivery = found_in_workspace(
        await repository.find_delivery(
            session,
            workspace_id=workspace_id,
            subscription_id=subscription_id,
            delivery_id=delivery_id,
        ),
        f"delivery {delivery_id} of webhook subscription {subscription_id}",
    )
    return delivery, await repository.attempts_of(session, delivery.id)


async def redeliver(
    session: AsyncSession, *, workspace_id: str, subscription_id: str, delivery_id: str
) -> WebhookDelivery:
    """Send the delivery again now, with a fresh retry schedule (same `webhook-id`)."""
    subscription = await get_subscription(
        session, workspace_id=workspace_id, subscription_id=subscription_id
    )
    delivery, _ = await get_delivery(
        session, workspace_id=workspace_id, subscription_id=subscription_id, delivery_id=delivery_id
    )
    if not subscription.enabled:
        raise Conflict("The subscription is turned off: enable it first (PATCH enabled=true).")
    if delivery.status in (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.SENDING):
        raise Conflict(f"The delivery is {delivery.status} already.")
    now = utcnow()
    delivery.status = WebhookDeliveryStatus.PENDING.value
    delivery.round_attempts = 0
    delivery.first_attempt_at = None
    delivery.next_attempt_at = now
    delivery.updated_at = now
    await session.flush()
    return delivery


async def forget_member(session: AsyncSession, member_ids: list[str]) -> None:
    """An erased member's interactions leave every delivery log (their events are keyed by
    member id)."""
    await repository.forget_events(session, "interaction.received", member_ids)
