"""A delivery as its receiver gets it, following Standard Webhooks
(https://www.standardwebhooks.com, signed with the `standardwebhooks` library)::

    POST <subscription url>
    content-type: application/json
    webhook-id: <delivery id>            the same on every attempt of this event here
    webhook-timestamp: <unix seconds>     when this attempt was signed
    webhook-signature: v1,<base64>        HMAC-SHA256 of "<id>.<timestamp>.<body>"

    {"type": "post.published", "timestamp": "2025-03-18T02:00:00Z", "data": {<payload>}}

`type` is the event type (a registry topic), `timestamp` when the event happened, `data`
its payload as docs/events describe it. During the day after a secret rotation the
signature header carries two signatures (new, then previous), space-separated; a receiver
accepts the request if one matches. Delivery is at least once: store `webhook-id` and
ignore one already seen.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from standardwebhooks import Webhook

from channel_svc.crypto import CredentialCipher
from channel_svc.models import WebhookDelivery, WebhookSubscription

USER_AGENT = "Mediaops-Webhooks/1"


def body_of(delivery: WebhookDelivery) -> bytes:
    document = {
        "type": delivery.event_type,
        "timestamp": delivery.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": delivery.data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signing_secrets(
    subscription: WebhookSubscription, cipher: CredentialCipher, now: datetime
) -> list[str]:
    """The secrets that sign now: the current one, and the previous one for a day after a
    rotation."""
    found = [cipher.decrypt(subscription.secret_encrypted)]
    until = subscription.previous_secret_until
    if subscription.previous_secret_encrypted and until is not None and until > now:
        found.append(cipher.decrypt(subscription.previous_secret_encrypted))
    return found


def signed_headers(
    delivery_id: str, body: bytes, secrets: list[str], now: datetime
) -> dict[str, str]:
    signatures = " ".join(Webhook(secret).sign(delivery_id, now, body) for secret in secrets)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }
