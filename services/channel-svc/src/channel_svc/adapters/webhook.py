"""The `webhook` platform: each published post is POSTed, signed, to a URL the team owns.

What a receiver gets::

    POST <config.url>
    Content-Type: application/json
    X-Mediaops-Delivery: <distribution id>      same id on every retry of this delivery
    X-Mediaops-Timestamp: <unix seconds>
    X-Mediaops-Signature: sha256=<hex>

    {"event": "post.published", "delivery_id": "<distribution id>", "post": {<snapshot>},
     "rendered": {<the post rendered for the channel>}}

`post` is the `post.published` payload (title, body_markdown, body_html, tags, ...), as the
author wrote it, with its library `media` in order (each with a download link signed for
days: fetch the files soon); `rendered` is the post as prepared for this channel (signature,
tags, and tracked short links in place of the post's links when the channel tracks links).

How a receiver verifies a request (Python)::

    import hashlib, hmac, time

    def verify(secret: str, headers, body: bytes) -> bool:
        timestamp = headers["X-Mediaops-Timestamp"]
        if abs(time.time() - int(timestamp)) > 300:       # refuse replays older than 5 min
            return False
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(headers["X-Mediaops-Signature"], "sha256=" + expected)

Sign the raw body bytes as received, before parsing the JSON. Delivery is at least once: a
request may come again after a timeout or a restart, so store `X-Mediaops-Delivery` and
ignore a delivery id already seen.

What the answer means: any 2xx is success (a JSON object answer may carry `external_id`
and `url` of the published copy, which are recorded); 408, 429 (honouring `Retry-After`
in seconds) and 5xx, timeouts and network errors are retried with backoff; redirects and
other 4xx fail the delivery at once, since repeating the request cannot help.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from servicekit.urlguard import UnsafeURL, require_public_url

from channel_svc.adapters.base import Delivery, DeliveryResult, Outcome
from channel_svc.adapters.http import GuardedClient
from channel_svc.adapters.shapes import WebhookConfig, validated
from channel_svc.telemetry import PLATFORM_ERRORS, platform_call

MAX_ANSWER_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-Mediaops-Signature"
TIMESTAMP_HEADER = "X-Mediaops-Timestamp"
DELIVERY_HEADER = "X-Mediaops-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else None


def _published_copy(answer: bytes) -> tuple[str | None, str | None]:
    """`external_id` and `url` from a JSON object answer, when the receiver sent them."""
    try:
        document = json.loads(answer)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, None
    if not isinstance(document, dict):
        return None, None
    external_id, url = document.get("external_id"), document.get("url")
    return (
        external_id if isinstance(external_id, str) and 0 < len(external_id) <= 200 else None,
        url if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
    )


class WebhookAdapter(GuardedClient):
    platform = "webhook"

    async def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        checked = validated(WebhookConfig, config, "config")
        await require_public_url(checked.url, field="config.url", allow_private=self.allow_private)
        return checked.model_dump()

    async def send(self, delivery: Delivery) -> DeliveryResult:
        channel, rendered = delivery.channel, delivery.rendered
        if not channel.secret:
            return DeliveryResult.rejected("missing_secret", "the channel has no signing secret")
        url = str(channel.config["url"])
        body = json.dumps(
            {
                "event": "post.published",
                "delivery_id": delivery.distribution.id,
                "post": delivery.snapshot.model_dump(mode="json"),
                "rendered": rendered.model_dump(mode="json") if rendered else None,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: delivery.distribution.id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(channel.secret, timestamp, body),
        }
        posted = await post(
            self.http(), url, body, headers, platform=self.platform, timeout=self.timeout_seconds
        )
        if posted.result.outcome is Outcome.DELIVERED:
            external_id, copy_url = _published_copy(posted.answer)
            return DeliveryResult.delivered(external_id=external_id, url=copy_url)
        return posted.result


@dataclass(frozen=True)
class Posted:
    """What came of one POST to a receiver: the verdict, its status code (None when it gave
    no answer) and the start of its answer."""

    result: DeliveryResult
    status_code: int | None = None
    answer: bytes = b""


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    platform: str,
    timeout: float,
) -> Posted:
    """POST `body` to a receiver's URL through the guarded `client`, and judge its answer
    by the rules in the module's docstring (also those of webhook subscriptions)."""
    try:
        with platform_call(platform, "/deliver"):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                answer = b""
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) >= MAX_ANSWER_BYTES:
                        break
                if response.status_code >= 400:
                    PLATFORM_ERRORS.labels(platform, f"http_{response.status_code}").inc()
    except UnsafeURL as exc:
        return Posted(DeliveryResult.rejected("unsafe_url", f"webhook URL refused: {exc}"))
    except httpx.TimeoutException:
        return Posted(
            DeliveryResult.retry("timeout", f"webhook did not answer within {timeout:g} s")
        )
    except httpx.HTTPError as exc:
        return Posted(
            DeliveryResult.retry(
                "unreachable", f"webhook unreachable: {type(exc).__name__}: {exc}".rstrip(": ")
            )
        )
    return Posted(judge(response), response.status_code, answer)


def judge(response: httpx.Response) -> DeliveryResult:
    """2xx delivered; 408, 429 (with its Retry-After) and 5xx again later; redirects and
    other 4xx failed at once, since repeating the request cannot help."""
    status = response.status_code
    said = f"webhook answered {status} {response.reason_phrase}".rstrip()
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    if 300 <= status < 400:
        return DeliveryResult.rejected(
            "redirected", f"{said}: redirects are not followed, give the final URL"
        )
    if status == 429:
        return DeliveryResult.retry(
            "rate_limited", said, retry_after_seconds=_retry_after(response)
        )
    if status == 408 or status >= 500:
        return DeliveryResult.retry(f"http_{status}", said)
    return DeliveryResult.rejected(f"http_{status}", said)
